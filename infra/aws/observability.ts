/**
 * The "what is failing" dashboard and its alarms (SPEC §8). Metric names come from
 * shared/metric-names.ts, the one list the reconciler and the webhook write. Reconciler metrics are EMF
 * lines written by Powertools (namespace `Albatross`, default dimension `service`); the webhook puts its
 * own once a minute with the dimension `Cluster`. Every alarm links to its runbook entry.
 */
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  LogQueryVisualizationType,
  LogQueryWidget,
  MathExpression,
  Metric,
  SingleValueWidget,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CLUSTER_DIMENSION,
  FAILURE_LOG_FIELDS as F,
  FAILURE_LOG_MESSAGE,
  METRICS_NAMESPACE,
  OUTCOME_DIMENSION,
  RECONCILER_METRICS as R,
  RECONCILER_SERVICE,
  WEBHOOK_METRICS as W,
} from '../../shared/metric-names';

export { METRICS_NAMESPACE };
export const SERVICE_NAME = RECONCILER_SERVICE;

/** Where the alarms and the dashboard point on-call; each alarm has an anchor there (`#alarm-<name>`). */
export const DEFAULT_RUNBOOK_URL = 'https://github.com/albatross-dev/albatross/blob/main/docs/operations.md';

/** The runbook anchor of an alarm: docs/operations.md has a heading "Alarm: <Name>" for each. */
export const runbookAnchor = (alarmName: string) => `#alarm-${alarmName.toLowerCase()}`;

/** Thresholds, exported so the operations guide and the tests quote the same numbers. */
export const ALARM_THRESHOLDS = {
  dlqDepth: 0,
  oldestMessageAgeSeconds: 300,
  failureRatePercent: 10,
  lambdaErrors: 0,
  webhookSendFailures: 0,
  /** Minutes without a heartbeat from a forwarding replica before the alarm fires. */
  heartbeatMissingMinutes: 5,
} as const;

export interface ObservabilityProps {
  dashboardName: string;
  /** The webhook's `Cluster` dimension: the cluster name as the webhook is given it. */
  clusterName: string;
  /** The reconciler's log group: the "failing stacks" query reads its structured failure lines. */
  reconcilerLogGroup: ILogGroup;
  /** Default {@link DEFAULT_RUNBOOK_URL}. */
  runbookUrl?: string;
  queue: IQueue;
  deadLetterQueue: IQueue;
  reconciler: IFunction;
  alarmTopic?: ITopic;
}

const FIVE_MINUTES = Duration.minutes(5);

function reconcilerMetric(
  metricName: string,
  dimensions: Record<string, string> = {},
  statistic = Stats.SUM,
) {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME, ...dimensions },
    statistic,
    period: FIVE_MINUTES,
  });
}

/**
 * Every series of one metric, whatever its dimensions: reasons are open-ended, and a schema-less search
 * keeps working if the reconciler adds a dimension.
 */
function searchAll(metricName: string) {
  return new MathExpression({
    expression: `SEARCH('Namespace="${METRICS_NAMESPACE}" MetricName="${metricName}"', 'Sum', 300)`,
    label: '',
    period: FIVE_MINUTES,
  });
}

export class AlbatrossObservability extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: {
    dlqDepth: Alarm;
    oldestMessage: Alarm;
    failureRate: Alarm;
    lambdaErrors: Alarm;
    webhookSendFailures: Alarm;
    webhookHeartbeat: Alarm;
  };

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { queue, deadLetterQueue, reconciler } = props;
    const runbook = props.runbookUrl ?? DEFAULT_RUNBOOK_URL;
    const see = (alarmName: string) => ` Runbook: ${runbook}${runbookAnchor(alarmName)}`;

    const succeeded = reconcilerMetric(R.reconciles, { [OUTCOME_DIMENSION]: 'Succeeded' });
    const failed = reconcilerMetric(R.reconciles, { [OUTCOME_DIMENSION]: 'Failed' });
    // Attempted reconciles only: a Skipped stack (digest fast path, mostly the periodic resync) tried
    // nothing, and counting it would dilute a real failure rate to nothing in a quiet cluster.
    // One flat expression (not nested ones) so the alarm's metric math stays within one period: 15 min.
    const attempted = '(FILL(ok, 0) + FILL(failed, 0))';
    const failureRate = new MathExpression({
      expression: `IF(${attempted} > 0, 100 * FILL(failed, 0) / ${attempted}, 0)`,
      usingMetrics: { ok: succeeded, failed },
      label: 'Failure rate of attempted reconciles (%), 15 min',
      period: Duration.minutes(15),
    });
    const dlqVisible = deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: Stats.MAXIMUM,
    });
    const oldestAge = queue.metricApproximateAgeOfOldestMessage({
      period: Duration.minutes(1),
      statistic: Stats.MAXIMUM,
    });
    const lambdaErrors = reconciler.metricErrors({ period: FIVE_MINUTES, statistic: Stats.SUM });
    const webhook = (metricName: string, period = FIVE_MINUTES, label?: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { [CLUSTER_DIMENSION]: props.clusterName },
        statistic: Stats.SUM,
        period,
        ...(label ? { label } : {}),
      });
    const sendFailures = webhook(W.sendFailures);
    const heartbeat = webhook(W.heartbeat, Duration.minutes(1));

    const alarms = {
      dlqDepth: new Alarm(this, 'DlqDepth', {
        alarmDescription:
          'Snapshots gave up after 5 attempts and sit in the DLQ. Inspect and replay: albatross redrive --dry-run.' +
          see('DlqDepth'),
        metric: dlqVisible,
        threshold: ALARM_THRESHOLDS.dlqDepth,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      oldestMessage: new Alarm(this, 'OldestMessageAge', {
        alarmDescription: `A snapshot has waited over ${ALARM_THRESHOLDS.oldestMessageAgeSeconds} s: the reconciler is stuck, paused, throttled or failing.${see('OldestMessageAge')}`,
        metric: oldestAge,
        threshold: ALARM_THRESHOLDS.oldestMessageAgeSeconds,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      failureRate: new Alarm(this, 'FailureRate', {
        alarmDescription: `Over ${ALARM_THRESHOLDS.failureRatePercent}% of attempted reconciles (Skipped excluded) failed in 15 minutes. See "Failing stacks" on the dashboard.${see('FailureRate')}`,
        metric: failureRate,
        threshold: ALARM_THRESHOLDS.failureRatePercent,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      lambdaErrors: new Alarm(this, 'LambdaErrors', {
        alarmDescription:
          'The reconciler crashed (an unhandled error, timeout or out-of-memory), not a per-stack failure.' +
          see('LambdaErrors'),
        metric: lambdaErrors,
        threshold: ALARM_THRESHOLDS.lambdaErrors,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      webhookSendFailures: new Alarm(this, 'WebhookSendFailures', {
        alarmDescription:
          'The webhook could not put snapshots on the queue (SQS unreachable, IAM, a snapshot over 1 MiB): cluster changes are not reaching AWS.' +
          see('WebhookSendFailures'),
        metric: sendFailures,
        threshold: ALARM_THRESHOLDS.webhookSendFailures,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // No data = no webhook publishing at all: the heartbeat alarm covers that case.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      webhookHeartbeat: new Alarm(this, 'WebhookHeartbeat', {
        alarmDescription: `No webhook replica has forwarded for ${ALARM_THRESHOLDS.heartbeatMissingMinutes} minutes (webhook down, no Lease holder, or it cannot reach CloudWatch): cluster changes may not be reaching AWS.${see('WebhookHeartbeat')}`,
        metric: heartbeat,
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: ALARM_THRESHOLDS.heartbeatMissingMinutes,
        datapointsToAlarm: ALARM_THRESHOLDS.heartbeatMissingMinutes,
        // Silence is the failure this alarm exists for.
        treatMissingData: TreatMissingData.BREACHING,
      }),
    };
    if (props.alarmTopic) {
      const action = new SnsAction(props.alarmTopic);
      for (const alarm of Object.values(alarms)) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
    this.alarms = alarms;

    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName });
    const alarmLinks = Object.values(alarms)
      .map((a) => `[${a.node.id}](${runbook}${runbookAnchor(a.node.id)})`)
      .join(' · ');
    dashboard.addWidgets(
      new TextWidget({
        markdown:
          `## Albatross\nTop: is anything wrong now. Then which stacks fail and why, then the reconciler and the webhook. ` +
          `[Runbook](${runbook}) · alarms: ${alarmLinks} · replay the DLQ: \`albatross redrive\` · ` +
          `pause the reconciler: \`albatross pause --function-name ${reconciler.functionName}\``,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new AlarmStatusWidget({
        title: 'Alarms',
        alarms: Object.values(alarms),
        width: 8,
        height: 5,
      }),
      new SingleValueWidget({
        title: 'Now',
        // Labelled here only: a labelled metric would turn each alarm into metric math.
        metrics: [
          dlqVisible.with({ label: 'Snapshots in the DLQ' }),
          oldestAge.with({ label: 'Oldest waiting snapshot (s)' }),
          failureRate,
          sendFailures.with({ label: 'Webhook send failures (5 min)' }),
          heartbeat.with({ label: 'Forwarding webhook replicas (last minute)' }),
        ],
        width: 16,
        height: 5,
      }),
    );
    dashboard.addWidgets(
      new LogQueryWidget({
        title: 'Failing stacks: last error per stack (reconciler logs)',
        logGroupNames: [props.reconcilerLogGroup.logGroupName],
        view: LogQueryVisualizationType.TABLE,
        queryLines: [
          `fields @timestamp, ${F.stackId}, ${F.reason}, ${F.errorMessage}, ${F.awsCode}`,
          `filter level = "ERROR" and message = "${FAILURE_LOG_MESSAGE}"`,
          `stats latest(${F.reason}) as reason, latest(${F.errorMessage}) as lastError, latest(${F.awsCode}) as awsCode, count(*) as failures, max(@timestamp) as lastFailure by ${F.stackId}`,
          'sort lastFailure desc',
          'limit 50',
        ],
        width: 24,
        height: 6,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Reconciles by outcome',
        left: [searchAll(R.reconciles)],
        stacked: true,
        width: 12,
      }),
      new GraphWidget({
        title: 'Failures by reason',
        left: [searchAll(R.failures)],
        stacked: true,
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Reconcile duration (ms)',
        left: [
          reconcilerMetric(R.durationMs, {}, Stats.p(50)).with({ label: 'p50' }),
          reconcilerMetric(R.durationMs, {}, Stats.p(99)).with({ label: 'p99' }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'AWS API calls',
        left: [
          reconcilerMetric(R.awsCallsRead).with({ label: 'read' }),
          reconcilerMetric(R.awsCallsWrite).with({ label: 'write' }),
        ],
        right: [reconcilerMetric(R.throttledCalls).with({ label: 'throttled' })],
        width: 8,
      }),
      new GraphWidget({
        title: 'Failure rate of attempted reconciles (%), 15 min',
        left: [failureRate],
        leftAnnotations: [{ value: ALARM_THRESHOLDS.failureRatePercent, label: 'alarm' }],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Snapshot queue: oldest message (s)',
        left: [oldestAge],
        leftAnnotations: [{ value: ALARM_THRESHOLDS.oldestMessageAgeSeconds, label: 'alarm' }],
        width: 8,
      }),
      new GraphWidget({ title: 'DLQ depth', left: [dlqVisible], width: 8 }),
      new GraphWidget({
        title: 'Reconciler Lambda',
        left: [
          lambdaErrors.with({ label: 'errors' }),
          reconciler.metricThrottles({ period: FIVE_MINUTES }).with({ label: 'throttles' }),
        ],
        right: [
          reconciler
            .metricDuration({ period: FIVE_MINUTES, statistic: Stats.p(99) })
            .with({ label: 'duration p99' }),
        ],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Webhook: snapshots sent and failed',
        left: [
          webhook(W.sent, Duration.minutes(1), 'sent'),
          webhook(W.sendFailures, Duration.minutes(1), 'send failures'),
          webhook(W.overflow, Duration.minutes(1), 'dropped (queue full)'),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Webhook: in-memory queue and forwarding replicas',
        left: [webhook(W.queueDepth, Duration.minutes(1), 'queue depth').with({ statistic: Stats.MAXIMUM })],
        right: [webhook(W.heartbeat, Duration.minutes(1), 'forwarding replicas')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Webhook: admission denials',
        left: [webhook(W.denials, Duration.minutes(1), 'denied')],
        width: 8,
      }),
    );
    this.dashboard = dashboard;
  }
}
