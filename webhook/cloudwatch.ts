/**
 * Publishes the webhook's own numbers to CloudWatch once a minute, so that on-call sees what Prometheus
 * scraping alone would keep inside the cluster: denials, snapshots sent and failed, the in-memory queue,
 * and a heartbeat from the replica that forwards. Without this, a webhook that cannot reach SQS leaves
 * every reconciler alarm green (nothing arrives, nothing fails).
 *
 * Counters are published as the increase since the last successful publish (a failed put is retried with
 * the next minute's numbers added, not lost); the queue depth as its current value. One dimension only,
 * `Cluster` (names in shared/metric-names.ts). Every replica publishes; the heartbeat is 1 from the Lease
 * holder and 0 from the others, so its Sum is "replicas forwarding" — the alarm fires below 1.
 */
import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CLUSTER_DIMENSION, METRICS_NAMESPACE, WEBHOOK_METRICS } from '../shared/metric-names';
import type { WebhookMetrics, WebhookTotals } from './metrics';

export interface CloudWatchPublisherOptions {
  cloudwatch: CloudWatchClient;
  cluster: string;
  metrics: Pick<WebhookMetrics, 'totals'>;
  isLeader: () => boolean;
  /** Default 60 s: CloudWatch's standard resolution; the alarms evaluate per minute. */
  intervalMs?: number;
  log?: (line: string) => void;
  now?: () => Date;
}

const ZERO: WebhookTotals = { denials: 0, sent: 0, sendFailures: 0, overflow: 0, queueDepth: 0 };

/** The data of one publish: increases since `published`, the depth as it is, the heartbeat. */
export function metricData(
  cluster: string,
  published: WebhookTotals,
  now: WebhookTotals,
  leader: boolean,
  timestamp: Date,
): MetricDatum[] {
  const Dimensions = [{ Name: CLUSTER_DIMENSION, Value: cluster }];
  const datum = (name: string, value: number): MetricDatum => ({
    MetricName: name,
    Dimensions,
    Timestamp: timestamp,
    Unit: 'Count',
    Value: value,
  });
  const increase = (k: keyof WebhookTotals) => Math.max(0, now[k] - published[k]);
  return [
    datum(WEBHOOK_METRICS.denials, increase('denials')),
    datum(WEBHOOK_METRICS.sent, increase('sent')),
    datum(WEBHOOK_METRICS.sendFailures, increase('sendFailures')),
    datum(WEBHOOK_METRICS.overflow, increase('overflow')),
    datum(WEBHOOK_METRICS.queueDepth, now.queueDepth),
    datum(WEBHOOK_METRICS.heartbeat, leader ? 1 : 0),
  ];
}

export class CloudWatchPublisher {
  private published: WebhookTotals = ZERO;
  private timer?: NodeJS.Timeout;
  private failing = false;
  private inFlight?: Promise<boolean>;

  constructor(private readonly o: CloudWatchPublisherOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.publish(), this.o.intervalMs ?? 60_000);
    this.timer.unref();
  }

  /** Stops the timer and publishes what the last minute counted. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
    await this.publish();
  }

  /** One PutMetricData; true when CloudWatch took it. Never throws. */
  async publish(): Promise<boolean> {
    while (this.inFlight) await this.inFlight;
    this.inFlight = this.put();
    try {
      return await this.inFlight;
    } finally {
      this.inFlight = undefined;
    }
  }

  private async put(): Promise<boolean> {
    const totals = await this.o.metrics.totals();
    const data = metricData(
      this.o.cluster,
      this.published,
      totals,
      this.o.isLeader(),
      (this.o.now ?? (() => new Date()))(),
    );
    try {
      await this.o.cloudwatch.send(
        new PutMetricDataCommand({ Namespace: METRICS_NAMESPACE, MetricData: data }),
      );
      this.published = totals;
      if (this.failing) this.o.log?.('metrics: publishing to CloudWatch works again');
      this.failing = false;
      return true;
    } catch (err) {
      // Once per outage, not once a minute.
      if (!this.failing) {
        const e = err as { name?: string; message?: string };
        this.o.log?.(
          `metrics: PutMetricData to CloudWatch failed (${e.name ?? 'Error'}: ${e.message ?? String(err)}); the missing heartbeat alarm will say so; retrying every minute`,
        );
      }
      this.failing = true;
      return false;
    }
  }
}
