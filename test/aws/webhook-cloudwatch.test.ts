/**
 * The webhook's CloudWatch publisher against moto: the numbers on-call alarms on (denials, sends, send
 * failures, queue depth, heartbeat) arrive under namespace Albatross with the one dimension Cluster.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CloudWatchClient, GetMetricStatisticsCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { createCloudWatchClient } from '../../aws/clients';
import { selfSignedCertificate } from '../../cli/dev/certs';
import { CLUSTER_DIMENSION, METRICS_NAMESPACE, WEBHOOK_METRICS } from '../../shared/metric-names';
import { CloudWatchPublisher } from '../../webhook/cloudwatch';
import { startWebhook } from '../../webhook/index';
import { WebhookMetrics } from '../../webhook/metrics';
import { TEST_REGION } from '../support/moto';

const endpoint = inject('motoEndpoint');
const reader = new CloudWatchClient({ endpoint, region: TEST_REGION });

/** Sum of one webhook metric for `cluster` over the last ten minutes (undefined: no data at all). */
async function sum(name: string, cluster: string): Promise<number | undefined> {
  const now = Date.now();
  const { Datapoints = [] } = await reader.send(
    new GetMetricStatisticsCommand({
      Namespace: METRICS_NAMESPACE,
      MetricName: name,
      Dimensions: [{ Name: CLUSTER_DIMENSION, Value: cluster }],
      StartTime: new Date(now - 600_000),
      EndTime: new Date(now + 60_000),
      Period: 60,
      Statistics: ['Sum'],
    }),
  );
  if (Datapoints.length === 0) return undefined;
  return Datapoints.reduce((a, d) => a + (d.Sum ?? 0), 0);
}

beforeEach(async () => {
  await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
});

describe('CloudWatchPublisher (moto)', () => {
  it('puts increases of the counters, the queue depth and the heartbeat, with only the Cluster dimension', async () => {
    const metrics = new WebhookMetrics();
    let leader = true;
    const publisher = new CloudWatchPublisher({
      cloudwatch: createCloudWatchClient({ endpoint, region: TEST_REGION, maxAttempts: 1 }),
      cluster: 'prod',
      metrics,
      isLeader: () => leader,
    });
    metrics.denials.inc({ reason: 'InvalidAnnotation' }, 2);
    metrics.denials.inc({ reason: 'Conflict' });
    metrics.sent(5);
    metrics.sendFailures(2);
    metrics.queueDepth(4);
    expect(await publisher.publish()).toBe(true);

    expect(await sum(WEBHOOK_METRICS.denials, 'prod')).toBe(3);
    expect(await sum(WEBHOOK_METRICS.sent, 'prod')).toBe(5);
    expect(await sum(WEBHOOK_METRICS.sendFailures, 'prod')).toBe(2);
    expect(await sum(WEBHOOK_METRICS.overflow, 'prod')).toBe(0);
    expect(await sum(WEBHOOK_METRICS.queueDepth, 'prod')).toBe(4);
    expect(await sum(WEBHOOK_METRICS.heartbeat, 'prod')).toBe(1);

    // The next minute publishes what changed since, not the totals again; a follower beats 0.
    leader = false;
    metrics.sent(1);
    metrics.queueDepth(0);
    expect(await publisher.publish()).toBe(true);
    expect(await sum(WEBHOOK_METRICS.sent, 'prod')).toBe(6);
    expect(await sum(WEBHOOK_METRICS.denials, 'prod')).toBe(3);
    expect(await sum(WEBHOOK_METRICS.heartbeat, 'prod')).toBe(1);

    // Low cardinality: every series has exactly the Cluster dimension.
    const { Metrics = [] } = await reader.send(new ListMetricsCommand({ Namespace: METRICS_NAMESPACE }));
    expect(new Set(Metrics.map((m) => m.MetricName))).toEqual(new Set(Object.values(WEBHOOK_METRICS)));
    for (const m of Metrics) expect(m.Dimensions).toEqual([{ Name: CLUSTER_DIMENSION, Value: 'prod' }]);
  });

  it('keeps counting through a failed put: the next one carries both minutes, and the failure is logged once', async () => {
    const metrics = new WebhookMetrics();
    const cloudwatch = createCloudWatchClient({ endpoint, region: TEST_REGION, maxAttempts: 1 });
    let down = true;
    cloudwatch.middlewareStack.add(
      (next) => async (args) => {
        if (down) throw Object.assign(new Error('no route to monitoring'), { name: 'NetworkingError' });
        return next(args);
      },
      { step: 'finalizeRequest', name: 'outage' },
    );
    const lines: string[] = [];
    const publisher = new CloudWatchPublisher({
      cloudwatch,
      cluster: 'prod',
      metrics,
      isLeader: () => true,
      log: (l) => lines.push(l),
    });
    metrics.sendFailures(3);
    expect(await publisher.publish()).toBe(false);
    metrics.sendFailures(1);
    expect(await publisher.publish()).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^metrics: PutMetricData to CloudWatch failed \(NetworkingError: no route/);
    expect(await sum(WEBHOOK_METRICS.sendFailures, 'prod')).toBeUndefined();

    down = false;
    expect(await publisher.publish()).toBe(true);
    expect(await sum(WEBHOOK_METRICS.sendFailures, 'prod')).toBe(4);
    expect(lines[1]).toBe('metrics: publishing to CloudWatch works again');
  });

  it('the running webhook publishes on its own: snapshots sent and the leader heartbeat', async () => {
    process.env.AWS_ENDPOINT_URL = endpoint;
    const sqs = new SQSClient({ endpoint, region: TEST_REGION });
    const queueUrl = (
      await sqs.send(new CreateQueueCommand({ QueueName: 'q.fifo', Attributes: { FifoQueue: 'true' } }))
    ).QueueUrl!;
    const dir = await mkdtemp(join(tmpdir(), 'albatross-cw-'));
    const tls = await selfSignedCertificate('127.0.0.1');
    try {
      await cp('examples/shop', dir, { recursive: true });
      const webhook = await startWebhook({
        host: '127.0.0.1',
        port: 0,
        tlsCertFile: tls.certFile,
        tlsKeyFile: tls.keyFile,
        clusterName: 'cw-test',
        source: { kind: 'manifests', dir },
        queueUrl,
        region: TEST_REGION,
        resyncSeconds: 0,
        cloudWatchMetrics: { intervalMs: 200 },
        log: () => undefined,
      });
      try {
        const deadline = Date.now() + 20_000;
        while ((await sum(WEBHOOK_METRICS.heartbeat, 'cw-test')) === undefined && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 200));
      } finally {
        await webhook.close();
      }
      expect(await sum(WEBHOOK_METRICS.heartbeat, 'cw-test')).toBeGreaterThanOrEqual(1);
      expect(await sum(WEBHOOK_METRICS.sent, 'cw-test')).toBeGreaterThanOrEqual(1);
      expect(await sum(WEBHOOK_METRICS.sendFailures, 'cw-test')).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(dirname(tls.certFile), { recursive: true, force: true });
    }
  });
});
