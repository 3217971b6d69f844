/**
 * The reconciler Lambda's handler against moto with the real reconciler and the real SDK clients: batch
 * coalescing, malformed bodies, FIFO failures, results on the results queue, EMF metrics and logs on
 * stdout, gzip bodies, and the environment wiring of the exported `handler`.
 */

import {
  CreateLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { seedLocalWorld } from '../../cli/dev/seed';
import { createHandler, depsFromEnv, type HandlerDeps } from '../../lambda/handler';
import { type AwsClients, createAwsClients, reconcileStack } from '../../lambda/reconciler';
import { sqsResultSink } from '../../lambda/results';
import { encodeSnapshotBody } from '../../shared/codec';
import { ReconcileResult, type StackSnapshot } from '../../shared/messages';
import { FAILURE_LOG_FIELDS, FAILURE_LOG_MESSAGE } from '../../shared/metric-names';
import { DIGEST_TAG } from '../../shared/tags';
import { awsClientConfig, TEST_REGION } from '../support/moto';
import { desiredStack, stackSnapshot } from '../support/snapshot-fixtures';

const endpoint = inject('motoEndpoint');
const CLUSTER = 'handler-test';
let clients: AwsClients;
let sqs: SQSClient;
let world: Awaited<ReturnType<typeof seedLocalWorld>>;

beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  clients = createAwsClients({ endpoint, region: TEST_REGION, maxAttempts: 1 });
  sqs = new SQSClient(awsClientConfig(endpoint));
});

beforeEach(async () => {
  await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  world = await seedLocalWorld({ endpoint, region: TEST_REGION }, CLUSTER);
});

// ------------------------------------------------------------------------------------------------
// helpers

const snap = (name: string, seq: number, extra: { verify?: boolean; deleted?: boolean } = {}) =>
  stackSnapshot({ cluster: CLUSTER, namespace: 'ns', name, seq, version: `v${seq}`, ...extra });

function body(s: StackSnapshot): string {
  const enc = encodeSnapshotBody(s);
  if (!enc.ok) throw new Error(enc.error.message);
  return enc.body;
}

type Entry = string | StackSnapshot | { body: string; group: string };

/** An SQSEvent as Lambda builds it from a FIFO queue: message ids m0, m1, …, group = cluster:stackId. */
function event(...entries: Entry[]): SQSEvent {
  const Records = entries.map((e, i): SQSRecord => {
    const [text, group] =
      typeof e === 'string'
        ? [e, `${CLUSTER}:junk-${i}`]
        : 'kind' in e
          ? [body(e), `${CLUSTER}:${e.stackId}`]
          : [e.body, e.group];
    return {
      messageId: `m${i}`,
      receiptHandle: `rh${i}`,
      body: text,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
        MessageGroupId: group,
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:albatross-snapshots.fifo',
      awsRegion: TEST_REGION,
    };
  });
  return { Records };
}

const ids = (r: { batchItemFailures: { itemIdentifier: string }[] }) =>
  r.batchItemFailures.map((f) => f.itemIdentifier);

function handlerWith(extra: Partial<HandlerDeps> = {}) {
  return createHandler({
    clients,
    cluster: CLUSTER,
    results: sqsResultSink(sqs, world.resultsQueueUrl),
    // The real reconciler, with short waits between delete retries.
    reconcile: (s, c, o) => reconcileStack(s, c, { ...o, deleteRetryDelaysMs: [20, 20] }),
    ...extra,
  });
}

async function drainResults(queueUrl = world.resultsQueueUrl): Promise<ReconcileResult[]> {
  const out: ReconcileResult[] = [];
  for (;;) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    if (!r.Messages?.length) return out;
    // Every result must pass the schema the webhook validates with.
    for (const m of r.Messages) out.push(ReconcileResult.parse(JSON.parse(m.Body ?? '')));
  }
}

/** Lines written to stdout and stderr (Powertools logs and EMF), kept off the test output. */
let stdout: string[] = [];
beforeEach(() => {
  stdout = [];
  const capture = (chunk: string | Uint8Array) => {
    stdout.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});
afterEach(() => vi.restoreAllMocks());

const jsonLines = () =>
  stdout.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}
const emf = () => jsonLines().filter((l): l is Emf => typeof l._aws === 'object');
/** Every value emitted for `name` (with these dimension values), flattened across EMF documents. */
function metricValues(name: string, dims: Record<string, string> = {}): number[] {
  return emf()
    .filter((d) => d._aws.CloudWatchMetrics.some((m) => m.Metrics.some((x) => x.Name === name)))
    .filter((d) => Object.entries(dims).every(([k, v]) => d[k] === v))
    .flatMap((d) => (Array.isArray(d[name]) ? (d[name] as number[]) : [d[name] as number]));
}

async function lbTags(name: string): Promise<Record<string, string> | undefined> {
  const lbs = await clients.elbv2
    .send(new DescribeLoadBalancersCommand({ Names: [name] }))
    .catch(() => undefined);
  const arn = lbs?.LoadBalancers?.[0]?.LoadBalancerArn;
  if (!arn) return undefined;
  const t = await clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
  return Object.fromEntries((t.TagDescriptions?.[0]?.Tags ?? []).map((x) => [x.Key ?? '', x.Value ?? '']));
}

const lbName = (name: string) => desiredStack({ cluster: CLUSTER, namespace: 'ns', name }).loadBalancer.name;

// ------------------------------------------------------------------------------------------------

describe('a batch', () => {
  it('reconciles each stack once at its highest seq, drops malformed bodies, and retries nothing', async () => {
    const a3 = snap('a', 3);
    const badC = JSON.stringify({ ...snap('c', 1), verify: 'yes' });
    const out = await handlerWith()(event(snap('a', 1), snap('b', 1), a3, 'not json', snap('a', 2), badC));
    expect(out).toEqual({ batchItemFailures: [] });

    // AWS: a carries the digest of seq 3 (not of the stale seq 2 that came later), b exists, c does not.
    expect((await lbTags(lbName('a')))?.[DIGEST_TAG]).toBe(a3.digest);
    expect((await lbTags(lbName('b')))?.[DIGEST_TAG]).toBe(snap('b', 1).digest);
    expect(await lbTags(lbName('c'))).toBeUndefined();

    const results = await drainResults();
    expect(results.map((r) => [r.stackId, r.seq, r.outcome, r.error?.reason]).sort()).toEqual([
      ['ns/a', 3, 'Succeeded', undefined],
      ['ns/b', 1, 'Succeeded', undefined],
      ['ns/c', 1, 'Failed', 'InvalidSnapshot'],
    ]);
    const a = results.find((r) => r.stackId === 'ns/a')!;
    expect(a.dnsName).toMatch(/elb\.amazonaws\.com$/);
    expect(a.listenerPorts).toEqual([{ port: 80, protocol: 'HTTP' }]);
    expect(a.apiCalls.write).toBeGreaterThan(0);
    expect(a.members).toEqual(a3.members);
    expect(results.find((r) => r.stackId === 'ns/c')!.error?.message).toBe(
      'verify: yes: expected boolean, received string',
    );

    // Metrics: namespace Albatross, low-cardinality dimensions only.
    expect(metricValues('Reconciles', { Outcome: 'Succeeded' })).toEqual([1, 1]);
    expect(metricValues('SnapshotsCoalesced')).toEqual([2]);
    expect(metricValues('MalformedMessages')).toEqual([2]);
    expect(metricValues('AwsCallsWrite').every((n) => n > 0)).toBe(true);
    expect(metricValues('ReconcileDuration')).toHaveLength(2);
    for (const d of emf()) {
      for (const m of d._aws.CloudWatchMetrics) {
        expect(m.Namespace).toBe('Albatross');
        for (const set of m.Dimensions)
          for (const dim of set) expect(['service', 'Outcome', 'Reason']).toContain(dim);
      }
    }

    // Logs: structured, each message's lines carry its stack, seq and digest.
    const logs = jsonLines().filter((l) => l._aws === undefined);
    expect(logs.find((l) => l.message === 'reconciled' && l.stackId === 'ns/a')).toMatchObject({
      level: 'INFO',
      seq: 3,
      digest: a3.digest,
      outcome: 'Succeeded',
    });
    expect(
      logs.find((l) => l.message === 'malformed snapshot message dropped' && l.messageId === 'm3'),
    ).toMatchObject({ level: 'WARN', reason: expect.stringMatching(/^body: not json: expected JSON/) });
    expect(logs.find((l) => l.message === 'batch done')).toMatchObject({ records: 6, stacks: 2, retried: 0 });
    // Keys appended per message do not leak into the next line.
    expect(logs.find((l) => l.message === 'batch done')?.stackId).toBeUndefined();
  });

  it('fails only the FIFO group of a stack that fails (NotOwned), and reports the error', async () => {
    // A same-named load balancer without tracking tags: never taken over (SPEC §5).
    await clients.elbv2.send(
      new CreateLoadBalancerCommand({ Name: lbName('b'), Subnets: world.subnetIds, Scheme: 'internal' }),
    );
    const b2 = snap('b', 2);
    const out = await handlerWith()(
      event(
        snap('a', 1),
        snap('b', 1),
        snap('c', 1),
        b2,
        { body: 'junk', group: `${CLUSTER}:ns/b` },
        snap('d', 1),
      ),
    );
    // b1 was superseded by b2 (done); b2 failed; the junk after it in b's group waits with it.
    expect(ids(out)).toEqual(['m3', 'm4']);
    expect(await lbTags(lbName('a'))).toBeDefined();
    expect(await lbTags(lbName('c'))).toBeDefined();
    expect(await lbTags(lbName('d'))).toBeDefined();
    expect(await lbTags(lbName('b'))).toEqual({});

    const results = await drainResults();
    expect(results.map((r) => [r.stackId, r.outcome]).sort()).toEqual([
      ['ns/a', 'Succeeded'],
      ['ns/b', 'Failed'],
      ['ns/c', 'Succeeded'],
      ['ns/d', 'Succeeded'],
    ]);
    const b = results.find((r) => r.stackId === 'ns/b')!;
    expect(b).toMatchObject({ seq: 2, digest: b2.digest, listenerPorts: [], error: { reason: 'NotOwned' } });
    expect(b.error?.message).toContain(lbName('b'));

    expect(metricValues('ReconcileFailures', { Reason: 'NotOwned' })).toEqual([1]);
    expect(metricValues('Reconciles', { Outcome: 'Failed' })).toEqual([1]);
    expect(metricValues('MalformedMessages')).toEqual([0]); // the junk is held back, not yet dropped
    const failedLog = jsonLines().find((l) => l.level === 'ERROR' && l.stackId === 'ns/b');
    expect(failedLog).toMatchObject({ seq: 2, error: { reason: 'NotOwned' } });
    // The flat fields the dashboard's "failing stacks" query reads (shared/metric-names.ts).
    expect(failedLog).toMatchObject({
      message: FAILURE_LOG_MESSAGE,
      [FAILURE_LOG_FIELDS.stackId]: 'ns/b',
      [FAILURE_LOG_FIELDS.reason]: 'NotOwned',
      [FAILURE_LOG_FIELDS.errorMessage]: b.error?.message,
    });
  });

  it('with scope batch, a failure holds back every later record and runs none of them', async () => {
    await clients.elbv2.send(
      new CreateLoadBalancerCommand({ Name: lbName('b'), Subnets: world.subnetIds, Scheme: 'internal' }),
    );
    const out = await handlerWith({ failureScope: 'batch' })(event(snap('a', 1), snap('b', 1), snap('c', 1)));
    expect(ids(out)).toEqual(['m1', 'm2']);
    expect(await lbTags(lbName('a'))).toBeDefined();
    expect(await lbTags(lbName('c'))).toBeUndefined();
  });

  it('takes the digest fast path on a redelivery: Skipped, at most 2 reads, no writes', async () => {
    const h = handlerWith();
    const s = snap('a', 1);
    expect(ids(await h(event(s)))).toEqual([]);
    await drainResults();
    expect(ids(await h(event(s)))).toEqual([]);
    const [again] = await drainResults();
    expect(again).toMatchObject({ outcome: 'Skipped', seq: 1, apiCalls: { write: 0 } });
    expect(again!.apiCalls.read).toBeLessThanOrEqual(2);
    expect(again!.dnsName).toMatch(/elb\.amazonaws\.com$/);
    expect(metricValues('Reconciles', { Outcome: 'Skipped' })).toEqual([1]);
  });

  it('deletes every resource of a stack on a `stack: null` snapshot', async () => {
    const h = handlerWith();
    expect(ids(await h(event(snap('a', 1))))).toEqual([]);
    expect(ids(await h(event(snap('a', 2, { deleted: true }))))).toEqual([]);
    expect(await lbTags(lbName('a'))).toBeUndefined();
    const results = await drainResults();
    expect(results.map((r) => [r.seq, r.outcome])).toEqual([
      [1, 'Succeeded'],
      [2, 'Succeeded'],
    ]);
  });

  it('decodes a gzip body: a snapshot with thousands of targets', async () => {
    const instanceIds = Array.from(
      { length: 6000 },
      (_, i) => `i-${(0x1000000 + i).toString(16).padStart(17, '0')}`,
    );
    const big = stackSnapshot({ cluster: CLUSTER, namespace: 'ns', name: 'big', seq: 1, instanceIds });
    const enc = encodeSnapshotBody(big);
    expect(enc.ok && enc.encoding).toBe('gzip');
    const out = await handlerWith()(event({ body: enc.ok ? enc.body : '', group: `${CLUSTER}:ns/big` }));
    expect(ids(out)).toEqual([]);
    const [result] = await drainResults();
    expect(result).toMatchObject({ stackId: 'ns/big', outcome: 'Succeeded' });
    const tgArn = await tgArnOf(big);
    const health = await clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
    expect(health.TargetHealthDescriptions).toHaveLength(6000);
  });

  it('starts no stack after the first with less than the reserved invocation time left', async () => {
    const remaining = [50_000, 9_000, 8_000];
    const context = { getRemainingTimeInMillis: () => remaining.shift() ?? 0 };
    const out = await handlerWith({ reserveMs: 10_000 })(
      event(snap('a', 1), snap('b', 1), snap('c', 1)),
      context,
    );
    expect(ids(out)).toEqual(['m1', 'm2']);
    expect(await lbTags(lbName('a'))).toBeDefined();
    expect(await lbTags(lbName('b'))).toBeUndefined();
    // Even with no time left at all, the first stack runs: every delivery makes progress.
    const starved = await handlerWith({ reserveMs: 10_000 })(event(snap('b', 1), snap('c', 1)), {
      getRemainingTimeInMillis: () => 0,
    });
    expect(ids(starved)).toEqual(['m1']);
    expect(await lbTags(lbName('b'))).toBeDefined();
  });

  it('retries a stack whose result cannot be sent, although AWS converged', async () => {
    const gone = world.resultsQueueUrl.replace(/albatross-results$/, 'no-such-queue');
    const h = handlerWith({ results: sqsResultSink(sqs, gone) });
    expect(ids(await h(event(snap('a', 1), snap('b', 1))))).toEqual(['m0', 'm1']);
    expect((await lbTags(lbName('a')))?.[DIGEST_TAG]).toBe(snap('a', 1).digest);
    const errors = jsonLines().filter(
      (l) => l.message === 'result not sent; the stack is retried so that its result is not lost',
    );
    expect(errors.map((l) => l.stackId)).toEqual(['ns/a', 'ns/b']);
  });
});

async function tgArnOf(s: StackSnapshot): Promise<string> {
  const { DescribeTargetGroupsCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const r = await clients.elbv2.send(
    new DescribeTargetGroupsCommand({ Names: [s.stack!.targetGroups[0]!.name] }),
  );
  return r.TargetGroups?.[0]?.TargetGroupArn ?? '';
}

describe('the Lambda entry point', () => {
  let saved: NodeJS.ProcessEnv = {};
  beforeEach(() => {
    saved = { ...process.env };
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads its configuration from the environment once and serves batches with it', async () => {
    process.env.ALBATROSS_CLUSTER_NAME = CLUSTER;
    process.env.AWS_ENDPOINT_URL = endpoint;
    process.env.AWS_REGION = TEST_REGION;
    process.env.RESULTS_QUEUE_URL = world.resultsQueueUrl;
    const { handler } = await import('../../lambda/handler');
    expect(ids(await handler(event(snap('a', 1))))).toEqual([]);
    const [result] = await drainResults();
    expect(result).toMatchObject({ cluster: CLUSTER, stackId: 'ns/a', outcome: 'Succeeded' });
  });

  it('names the missing cluster variable', () => {
    expect(() => depsFromEnv({ AWS_REGION: TEST_REGION })).toThrow(
      'ALBATROSS_CLUSTER_NAME: (missing): expected the name of the cluster this reconciler serves',
    );
  });
});
