/** Prometheus metrics of the webhook (served on GET /metrics). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ForwarderMetrics } from './forwarder';

export interface WebhookTotals {
  denials: number;
  sent: number;
  sendFailures: number;
  overflow: number;
  queueDepth: number;
}

export class WebhookMetrics implements ForwarderMetrics {
  readonly registry = new Registry();
  readonly admission = new Histogram({
    name: 'albatross_admission_duration_seconds',
    help: 'Admission request latency by route and verdict',
    labelNames: ['route', 'verdict'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });
  readonly denials = new Counter({
    name: 'albatross_admission_denials_total',
    help: 'Denied admissions by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly depth = new Gauge({
    name: 'albatross_forwarder_queue_depth',
    help: 'Snapshots waiting to be sent',
    registers: [this.registry],
  });
  private readonly sends = new Counter({
    name: 'albatross_forwarder_sends_total',
    help: 'Snapshots sent to SQS',
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: 'albatross_forwarder_send_failures_total',
    help: 'Snapshots that failed to send',
    registers: [this.registry],
  });
  private readonly overflows = new Counter({
    name: 'albatross_forwarder_overflow_total',
    help: 'Snapshots dropped from the full in-memory queue (recovered by the next resync)',
    registers: [this.registry],
  });

  /** Running totals (counters since start) and the current queue depth, for the CloudWatch publisher. */
  async totals(): Promise<WebhookTotals> {
    const sum = async (m: { get(): Promise<{ values: { value: number }[] }> }) =>
      (await m.get()).values.reduce((a, v) => a + v.value, 0);
    return {
      denials: await sum(this.denials),
      sent: await sum(this.sends),
      sendFailures: await sum(this.failures),
      overflow: await sum(this.overflows),
      queueDepth: await sum(this.depth),
    };
  }

  queueDepth(n: number) {
    this.depth.set(n);
  }
  sent(n: number) {
    this.sends.inc(n);
  }
  sendFailures(n: number) {
    this.failures.inc(n);
  }
  overflow(n: number) {
    this.overflows.inc(n);
  }
}
