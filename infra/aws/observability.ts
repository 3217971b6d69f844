/**
 * The "what is failing" dashboard and its alarms (SPEC §8). Reconciler metrics are EMF lines written by
 * Powertools: namespace `Albatross`, default dimension `service=<POWERTOOLS_SERVICE_NAME>`.
 */
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  SingleValueWidget,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export const METRICS_NAMESPACE = 'Albatross';
export const SERVICE_NAME = 'albatross-reconciler';

/** Thresholds, exported so the operations guide and the tests quote the same numbers. */
export const ALARM_THRESHOLDS = {
  dlqDepth: 0,
  oldestMessageAgeSeconds: 300,
  failureRatePercent: 10,
  lambdaErrors: 0,
} as const;

export interface ObservabilityProps {
  dashboardName: string;
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
  readonly alarms: { dlqDepth: Alarm; oldestMessage: Alarm; failureRate: Alarm; lambdaErrors: Alarm };

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { queue, deadLetterQueue, reconciler } = props;

    const succeeded = reconcilerMetric('Reconciles', { Outcome: 'Succeeded' });
    const failed = reconcilerMetric('Reconciles', { Outcome: 'Failed' });
    const skipped = reconcilerMetric('Reconciles', { Outcome: 'Skipped' });
    // One flat expression (not nested ones) so the alarm's metric math stays within one period: 15 min.
    const total = '(FILL(ok, 0) + FILL(failed, 0) + FILL(skipped, 0))';
    const failureRate = new MathExpression({
      expression: `IF(${total} > 0, 100 * FILL(failed, 0) / ${total}, 0)`,
      usingMetrics: { ok: succeeded, failed, skipped },
      label: 'Failure rate (%)',
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

    const alarms = {
      dlqDepth: new Alarm(this, 'DlqDepth', {
        alarmDescription:
          'Snapshots gave up after 5 attempts and sit in the DLQ. Inspect and replay: albatross redrive --dry-run.',
        metric: dlqVisible,
        threshold: ALARM_THRESHOLDS.dlqDepth,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      oldestMessage: new Alarm(this, 'OldestMessageAge', {
        alarmDescription: `A snapshot has waited over ${ALARM_THRESHOLDS.oldestMessageAgeSeconds} s: the reconciler is stuck, throttled or failing.`,
        metric: oldestAge,
        threshold: ALARM_THRESHOLDS.oldestMessageAgeSeconds,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      failureRate: new Alarm(this, 'FailureRate', {
        alarmDescription: `Over ${ALARM_THRESHOLDS.failureRatePercent}% of reconciles failed in 15 minutes. See ReconcileFailures by Reason.`,
        metric: failureRate,
        threshold: ALARM_THRESHOLDS.failureRatePercent,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      lambdaErrors: new Alarm(this, 'LambdaErrors', {
        alarmDescription:
          'The reconciler crashed (an unhandled error, timeout or out-of-memory), not a per-stack failure.',
        metric: lambdaErrors,
        threshold: ALARM_THRESHOLDS.lambdaErrors,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
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
    dashboard.addWidgets(
      new TextWidget({
        markdown:
          '## Albatross reconciler\nFailures by reason, then the queue. Runbook: docs/operations.md. ' +
          'Replay the DLQ with `albatross redrive`.',
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new SingleValueWidget({
        title: 'Now',
        metrics: [dlqVisible, oldestAge, failureRate],
        width: 24,
        height: 4,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Reconciles by outcome',
        left: [searchAll('Reconciles')],
        stacked: true,
        width: 12,
      }),
      new GraphWidget({
        title: 'Failures by reason',
        left: [searchAll('ReconcileFailures')],
        stacked: true,
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Reconcile duration (ms)',
        left: [
          reconcilerMetric('ReconcileDuration', {}, Stats.p(50)).with({ label: 'p50' }),
          reconcilerMetric('ReconcileDuration', {}, Stats.p(99)).with({ label: 'p99' }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'AWS API calls',
        left: [
          reconcilerMetric('AwsCallsRead').with({ label: 'read' }),
          reconcilerMetric('AwsCallsWrite').with({ label: 'write' }),
        ],
        right: [reconcilerMetric('ThrottledCalls').with({ label: 'throttled' })],
        width: 8,
      }),
      new GraphWidget({
        title: 'Failure rate (%), 15 min',
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
    this.dashboard = dashboard;
  }
}
