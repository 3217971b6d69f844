/**
 * The reconciler's CloudWatch metrics (names in shared/metric-names.ts), as EMF lines written by Powertools (namespace `Albatross`, default
 * dimension `service`). Dimensions are low-cardinality only — `Outcome` and `Reason`, both closed enums —
 * never a stack id: per-stack detail lives in the logs and the results queue.
 *
 * | metric | unit | dimensions | one value per |
 * |---|---|---|---|
 * | `Reconciles` | Count | service, Outcome | reconciled stack |
 * | `ReconcileFailures` | Count | service, Reason | failed stack |
 * | `ReconcileDuration` | Milliseconds | service | reconciled stack |
 * | `AwsCallsRead`, `AwsCallsWrite` | Count | service | reconciled stack |
 * | `ThrottledCalls` | Count | service | reconciled stack |
 * | `SnapshotsCoalesced` | Count | service | batch |
 * | `MalformedMessages` | Count | service | batch |
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { FailureReason } from '../shared/messages';
import {
  RECONCILER_METRICS as M,
  METRICS_NAMESPACE,
  OUTCOME_DIMENSION,
  REASON_DIMENSION,
  RECONCILER_SERVICE,
} from '../shared/metric-names';

export { METRICS_NAMESPACE };
export const SERVICE_NAME = RECONCILER_SERVICE;

export interface StackMeasurement {
  outcome: 'Succeeded' | 'Failed' | 'Skipped';
  reason?: FailureReason;
  durationMs: number;
  apiCalls: { read: number; write: number };
  throttled: number;
}

export interface ReconcilerMetrics {
  stack(m: StackMeasurement): void;
  batch(m: { coalesced: number; malformed: number }): void;
  /** Writes what is buffered; call once at the end of every invocation. */
  flush(): void;
}

export function createMetrics(options: { namespace?: string; serviceName?: string } = {}): ReconcilerMetrics {
  const metrics = new Metrics({
    namespace: options.namespace ?? process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    serviceName: options.serviceName ?? process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
  });
  return {
    stack(m) {
      // Each dimensioned count is its own EMF document: a dimension set applies to every metric in one.
      metrics
        .singleMetric()
        .addDimension(OUTCOME_DIMENSION, m.outcome)
        .addMetric(M.reconciles, MetricUnit.Count, 1);
      if (m.outcome === 'Failed') {
        metrics
          .singleMetric()
          .addDimension(REASON_DIMENSION, m.reason ?? 'Internal')
          .addMetric(M.failures, MetricUnit.Count, 1);
      }
      metrics.addMetric(M.durationMs, MetricUnit.Milliseconds, m.durationMs);
      metrics.addMetric(M.awsCallsRead, MetricUnit.Count, m.apiCalls.read);
      metrics.addMetric(M.awsCallsWrite, MetricUnit.Count, m.apiCalls.write);
      metrics.addMetric(M.throttledCalls, MetricUnit.Count, m.throttled);
    },
    batch(m) {
      metrics.addMetric(M.coalesced, MetricUnit.Count, m.coalesced);
      metrics.addMetric(M.malformed, MetricUnit.Count, m.malformed);
    },
    flush() {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
}
