/**
 * AlbatrossStack: everything Albatross runs on in AWS (SPEC §8) — the snapshot FIFO queue and its DLQ, the
 * reconciler Lambda fed by it, the results queue, least-privilege roles, and the failure dashboard.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnPodIdentityAssociation } from 'aws-cdk-lib/aws-eks';
import {
  CompositePrincipal,
  OpenIdConnectPrincipal,
  OpenIdConnectProvider,
  type PrincipalBase,
  Role,
  ServicePrincipal,
  SessionTagsPrincipal,
} from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  type Code,
  type IFunction,
  Function as LambdaFunction,
  Runtime,
} from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { AlbatrossObservability, METRICS_NAMESPACE, SERVICE_NAME } from './observability';
import { reconcilerStatements, webhookMetricsStatements, webhookReadStatements } from './policies';

export const LAMBDA_TIMEOUT = Duration.seconds(60);
/** AWS's recommendation for Lambda-fed queues: at least 6 × the function timeout. */
export const VISIBILITY_TIMEOUT = Duration.seconds(LAMBDA_TIMEOUT.toSeconds() * 6);
export const MAX_RECEIVE_COUNT = 5;
/** SPEC §6.1: bodies up to 1 MiB (larger ones are gzipped by the sender, and refused beyond that). */
export const MAX_MESSAGE_SIZE_BYTES = 1_048_576;

export interface AlbatrossStackProps extends StackProps {
  /** Value of the `elbv2.k8s.aws/cluster` tag; also the EKS cluster name for the Pod Identity association. */
  clusterName: string;
  /** The cluster's VPC: scopes security-group creation and is passed to the reconciler. */
  vpcId?: string;
  /** Queue names; defaults derive from the cluster name so several clusters can share an account. */
  queueName?: string;
  deadLetterQueueName?: string;
  resultsQueueName?: string;
  /** The webhook's ServiceAccount (the Helm chart's defaults for a release named albatross). */
  serviceAccountNamespace?: string;
  serviceAccountName?: string;
  /** Create the EKS Pod Identity association for the webhook role (needs the EKS Pod Identity Agent add-on). */
  podIdentityAssociation?: boolean;
  /** IRSA: the cluster's IAM OIDC provider ARN, to let the ServiceAccount assume the role that way too. */
  oidcProviderArn?: string;
  /** Where alarm descriptions and the dashboard link the runbook (default: docs/operations.md on GitHub). */
  runbookUrl?: string;
  /** Alarm notifications: an e-mail address subscribed to a new SNS topic. */
  alarmEmail?: string;
  /**
   * The reconciler's code, with its handler at `index.handler`: `await reconcilerCode()` (the `npm run
   * bundle` artifact, see reconciler-code.ts); tests inject `Code.fromInline(…)` to keep synth fast.
   */
  lambdaCode: Code;
}

const sanitize = (s: string) => s.replace(/[^a-zA-Z0-9_-]/g, '-').slice(0, 40);

export class AlbatrossStack extends Stack {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly resultsQueue: Queue;
  readonly reconciler: IFunction;
  readonly webhookRole: Role;

  constructor(scope: Construct, id: string, props: AlbatrossStackProps) {
    super(scope, id, props);
    if (!props.clusterName)
      throw new Error('clusterName: "": expected the EKS cluster name (-c clusterName=…)');
    const cluster = sanitize(props.clusterName);
    const saNamespace = props.serviceAccountNamespace ?? 'albatross-system';
    const saName = props.serviceAccountName ?? 'albatross';

    this.deadLetterQueue = new Queue(this, 'SnapshotDlq', {
      queueName: props.deadLetterQueueName ?? `albatross-${cluster}-snapshots-dlq.fifo`,
      fifo: true,
      contentBasedDeduplication: false,
      encryption: QueueEncryption.SQS_MANAGED,
      maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'SnapshotQueue', {
      queueName: props.queueName ?? `albatross-${cluster}-snapshots.fifo`,
      fifo: true,
      // The sender sets MessageDeduplicationId = digest (none when `verify`), so content dedup stays off.
      contentBasedDeduplication: false,
      encryption: QueueEncryption.SQS_MANAGED,
      // aws-cdk-lib ≥ 2.2xx validates up to 1 MiB, so no escape hatch is needed; set explicitly because the
      // CloudFormation default was 256 KiB for years and the sender's limits assume 1 MiB.
      maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
      visibilityTimeout: VISIBILITY_TIMEOUT,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    this.resultsQueue = new Queue(this, 'ResultsQueue', {
      queueName: props.resultsQueueName ?? `albatross-${cluster}-results`,
      encryption: QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(1),
    });

    const logGroup = new LogGroup(this, 'ReconcilerLogs', { retention: RetentionDays.ONE_MONTH });
    const environment: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      ALBATROSS_CLUSTER_NAME: props.clusterName,
      RESULTS_QUEUE_URL: this.resultsQueue.queueUrl,
      // The last failed attempt moves the snapshot to the DLQ itself, with its error (lambda/dead-letter.ts).
      ALBATROSS_DLQ_URL: this.deadLetterQueue.queueUrl,
      ALBATROSS_MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
    };
    if (props.vpcId) environment.ALBATROSS_VPC_ID = props.vpcId;
    const reconciler = new LambdaFunction(this, 'Reconciler', {
      description: `Albatross reconciler for cluster ${props.clusterName}`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: LAMBDA_TIMEOUT,
      environment,
      logGroup,
      code: props.lambdaCode,
      handler: 'index.handler',
    });
    for (const statement of reconcilerStatements({ clusterName: props.clusterName, vpcId: props.vpcId })) {
      reconciler.addToRolePolicy(statement);
    }
    this.resultsQueue.grantSendMessages(reconciler);
    this.deadLetterQueue.grantSendMessages(reconciler);
    reconciler.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        // Bounds the AWS API rate (ELBv2 throttles per account) and leaves concurrency for other functions.
        maxConcurrency: 5,
      }),
    );
    this.reconciler = reconciler;

    // The webhook's ServiceAccount: EKS Pod Identity (preferred), optionally IRSA as well.
    const principals: PrincipalBase[] = [
      new SessionTagsPrincipal(new ServicePrincipal('pods.eks.amazonaws.com')),
    ];
    if (props.oidcProviderArn) {
      const issuer = oidcIssuer(props.oidcProviderArn);
      principals.push(
        new OpenIdConnectPrincipal(
          OpenIdConnectProvider.fromOpenIdConnectProviderArn(this, 'OidcProvider', props.oidcProviderArn),
          {
            StringEquals: {
              [`${issuer}:sub`]: `system:serviceaccount:${saNamespace}:${saName}`,
              [`${issuer}:aud`]: 'sts.amazonaws.com',
            },
          },
        ),
      );
    }
    this.webhookRole = new Role(this, 'WebhookRole', {
      description: `Albatross webhook (${saNamespace}/${saName}) in cluster ${props.clusterName}`,
      assumedBy: new CompositePrincipal(...principals),
      maxSessionDuration: Duration.hours(1),
    });
    this.queue.grantSendMessages(this.webhookRole);
    this.resultsQueue.grantConsumeMessages(this.webhookRole);
    for (const statement of webhookReadStatements()) this.webhookRole.addToPolicy(statement);
    for (const statement of webhookMetricsStatements()) this.webhookRole.addToPolicy(statement);
    if (props.podIdentityAssociation !== false) {
      new CfnPodIdentityAssociation(this, 'WebhookPodIdentity', {
        clusterName: props.clusterName,
        namespace: saNamespace,
        serviceAccount: saName,
        roleArn: this.webhookRole.roleArn,
      });
    }

    const alarmTopic = props.alarmEmail ? new Topic(this, 'AlarmTopic') : undefined;
    if (alarmTopic && props.alarmEmail) alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    new AlbatrossObservability(this, 'Observability', {
      dashboardName: `Albatross-${cluster}`,
      clusterName: props.clusterName,
      reconcilerLogGroup: logGroup,
      ...(props.runbookUrl ? { runbookUrl: props.runbookUrl } : {}),
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      reconciler,
      alarmTopic,
    });

    const out = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    out('QueueUrl', this.queue.queueUrl, 'Snapshot FIFO queue (webhook ALBATROSS_QUEUE_URL)');
    out('QueueArn', this.queue.queueArn, 'Snapshot FIFO queue ARN');
    out('DeadLetterQueueUrl', this.deadLetterQueue.queueUrl, 'DLQ (albatross redrive --dlq-url)');
    out('DeadLetterQueueArn', this.deadLetterQueue.queueArn, 'DLQ ARN');
    out('ResultsQueueUrl', this.resultsQueue.queueUrl, 'Results queue (webhook ALBATROSS_RESULTS_QUEUE_URL)');
    out('ResultsQueueArn', this.resultsQueue.queueArn, 'Results queue ARN');
    out('WebhookRoleArn', this.webhookRole.roleArn, 'IAM role for the webhook ServiceAccount');
    out('ReconcilerFunctionName', reconciler.functionName, 'Reconciler Lambda');
  }
}

/** `arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC` → the issuer host/path. */
export function oidcIssuer(arn: string): string {
  const match = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/(.+)$/.exec(arn);
  if (!match?.[1]) {
    throw new Error(
      `oidcProviderArn: ${JSON.stringify(arn)}: expected arn:aws:iam::<account>:oidc-provider/<issuer>`,
    );
  }
  return match[1];
}
