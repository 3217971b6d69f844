/**
 * Every CloudWatch metric name, dimension and log field Albatross writes, in one place: the reconciler
 * (lambda/metrics.ts, lambda/handler.ts) and the webhook (webhook/cloudwatch.ts) write them, the CDK
 * dashboard and alarms (infra/aws/observability.ts) read them. A rename here is a rename everywhere.
 *
 * Dimensions are low-cardinality only — closed enums and the cluster name, never a stack id: per-stack
 * detail lives in the logs (see {@link FAILURE_LOG_FIELDS}) and the results queue.
 */

export const METRICS_NAMESPACE = 'Albatross';

/** The reconciler's `service` dimension (Powertools' default dimension) and log service name. */
export const RECONCILER_SERVICE = 'albatross-reconciler';

/** The reconciler's metrics, one EMF document per stack or batch (dimension `service`, plus the noted one). */
export const RECONCILER_METRICS = {
  /** Count, dimension `Outcome`: Succeeded | Failed | Skipped. */
  reconciles: 'Reconciles',
  /** Count, dimension `Reason` (a FailureReason). */
  failures: 'ReconcileFailures',
  durationMs: 'ReconcileDuration',
  awsCallsRead: 'AwsCallsRead',
  awsCallsWrite: 'AwsCallsWrite',
  throttledCalls: 'ThrottledCalls',
  coalesced: 'SnapshotsCoalesced',
  malformed: 'MalformedMessages',
} as const;

export const OUTCOME_DIMENSION = 'Outcome';
export const REASON_DIMENSION = 'Reason';

/** The webhook's metrics, published once a minute by every replica with the one dimension `Cluster`. */
export const WEBHOOK_METRICS = {
  /** Count: admissions denied in the minute. */
  denials: 'AdmissionDenials',
  /** Count: snapshots the forwarder could not put on the queue (SQS down, no permission, too large). */
  sendFailures: 'SnapshotSendFailures',
  /** Count: snapshots put on the queue. */
  sent: 'SnapshotsSent',
  /** Count: snapshots dropped from a full in-memory queue (the next resync recovers them). */
  overflow: 'ForwarderOverflow',
  /** Count (a gauge sampled at publish time): snapshots waiting in the forwarder's in-memory queue. */
  queueDepth: 'ForwarderQueueDepth',
  /**
   * 1 from the replica that holds the Lease (it forwards), 0 from the others, every minute. Sum < 1, or no
   * data at all, means nothing forwards cluster changes to AWS.
   */
  heartbeat: 'WebhookHeartbeat',
} as const;

export const CLUSTER_DIMENSION = 'Cluster';

/**
 * The fields of the reconciler's structured log line for a failed stack (besides Powertools' own `level`,
 * `message`, `timestamp`); the dashboard's "failing stacks" query reads exactly these.
 */
export const FAILURE_LOG_FIELDS = {
  stackId: 'stackId',
  reason: 'reason',
  errorMessage: 'errorMessage',
  awsCode: 'awsCode',
} as const;

/** The `message` of that log line. */
export const FAILURE_LOG_MESSAGE = 'reconcile failed; the message is retried, then moved to the DLQ';
