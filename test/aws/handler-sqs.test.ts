/**
 * The handler behind a real SQS FIFO queue with a DLQ (moto): this test plays Lambda's event source —
 * receive a batch, call the handler, delete what it did not report in `batchItemFailures` — so that
 * receive counts, visibility timeouts and the redrive policy are SQS's own.
 */

import {
  CreateLoadBalancerCommand,
  DescribeLoadBalancersCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { seedLocalWorld } from '../../cli/dev/seed';
import { createHandler, type SqsBatchHandler } from '../../lambda/handler';
import { type AwsClients, createAwsClients } from '../../lambda/reconciler';
import { sqsResultSink } from '../../lambda/results';
import type { FailureScope } from '../../lambda/sqs/batch';
import { encodeSnapshotBody } from '../../shared/codec';
import { ReconcileResult, type StackSnapshot } from '../../shared/messages';
import { awsClientConfig, TEST_REGION } from '../support/moto';
import { stackSnapshot } from '../support/snapshot-fixtures';

const endpoint = inject('motoEndpoint');
const CLUSTER = 'sqs-test';
const MAX_RECEIVE_COUNT = 2;
let clients: AwsClients;
let sqs: SQSClient;
let world: Awaited<ReturnType<typeof seedLocalWorld>>;
let queueUrl = '';
let dlqUrl = '';

beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  clients = createAwsClients({ endpoint, region: TEST_REGION, maxAttempts: 1 });
  sqs = new SQSClient(awsClientConfig(endpoint));
});

beforeEach(async () => {
  await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  world = await seedLocalWorld({ endpoint, region: TEST_REGION }, CLUSTER);
  const dlq = await sqs.send(
    new CreateQueueCommand({ QueueName: 'handler-dlq.fifo', Attributes: { FifoQueue: 'true' } }),
  );
  dlqUrl = dlq.QueueUrl ?? '';
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  const q = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'handler-snapshots.fifo',
      Attributes: {
        FifoQueue: 'true',
        VisibilityTimeout: '1',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: MAX_RECEIVE_COUNT }),
      },
    }),
  );
  queueUrl = q.QueueUrl ?? '';
  // Lambda's log lines and EMF documents, kept off the test output.
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => vi.restoreAllMocks());

const snap = (name: string, seq: number) =>
  stackSnapshot({ cluster: CLUSTER, namespace: 'ns', name, seq, version: `v${seq}` });

async function send(s: StackSnapshot): Promise<string> {
  const enc = encodeSnapshotBody(s);
  if (!enc.ok) throw new Error(enc.error.message);
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: enc.body,
      MessageGroupId: `${s.cluster}:${s.stackId}`,
      MessageDeduplicationId: s.digest,
    }),
  );
  return enc.body;
}

interface PumpLog {
  /** One entry per batch: the stack ids received, and those reported back as failures. */
  batches: { received: string[]; failed: string[] }[];
}

/** Lambda's event source, in the test: until the queue is empty (in flight included) or the deadline. */
async function pump(handler: SqsBatchHandler, deadlineMs = 45_000): Promise<PumpLog> {
  const log: PumpLog = { batches: [] };
  const stop = Date.now() + deadlineMs;
  while (Date.now() < stop) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const messages = r.Messages ?? [];
    if (messages.length === 0) {
      const a = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const left =
        Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
      if (left === 0) return log;
      continue;
    }
    const records = messages.map(
      (m): SQSRecord => ({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes: {
          ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
          SentTimestamp: m.Attributes?.SentTimestamp ?? '0',
          SenderId: m.Attributes?.SenderId ?? '',
          ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? '0',
          MessageGroupId: m.Attributes?.MessageGroupId,
          MessageDeduplicationId: m.Attributes?.MessageDeduplicationId,
          SequenceNumber: m.Attributes?.SequenceNumber,
        },
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:handler-snapshots.fifo',
        awsRegion: TEST_REGION,
      }),
    );
    const out = await handler({ Records: records });
    const failed = new Set(out.batchItemFailures.map((f) => f.itemIdentifier));
    const stackOf = (r: SQSRecord) => (JSON.parse(r.body) as { stackId: string }).stackId;
    log.batches.push({
      received: records.map(stackOf),
      failed: records.filter((r) => failed.has(r.messageId)).map(stackOf),
    });
    const done = records.filter((r) => !failed.has(r.messageId));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
        }),
      );
    }
  }
  throw new Error(`queue not drained within ${deadlineMs} ms`);
}

async function drain(url: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }),
    );
    if (!r.Messages?.length) return bodies;
    bodies.push(...r.Messages.map((m) => m.Body ?? ''));
  }
}

async function poison(name: string): Promise<void> {
  // A same-named load balancer without tracking tags: the stack fails with NotOwned on every attempt.
  const lbName = snap(name, 1).stack!.loadBalancer.name;
  await clients.elbv2.send(
    new CreateLoadBalancerCommand({ Name: lbName, Subnets: world.subnetIds, Scheme: 'internal' }),
  );
}

const handlerFor = (failureScope: FailureScope) =>
  createHandler({
    clients,
    cluster: CLUSTER,
    results: sqsResultSink(sqs, world.resultsQueueUrl),
    failureScope,
  });

async function lbCount(): Promise<number> {
  const r = await clients.elbv2.send(new DescribeLoadBalancersCommand({ PageSize: 400 }));
  return r.LoadBalancers?.length ?? 0;
}

describe('behind a FIFO queue with a DLQ', () => {
  it('moves a poison snapshot to the DLQ after maxReceiveCount while the other stacks converge', async () => {
    await poison('p');
    await send(snap('a', 1));
    const poisonBody = await send(snap('p', 1));
    await send(snap('c', 1));
    await send(snap('a', 2));

    const log = await pump(handlerFor('group'));

    // The poison was received exactly maxReceiveCount times and failed each time; nothing else failed.
    const failures = log.batches.flatMap((b) => b.failed);
    expect(failures).toEqual(Array(MAX_RECEIVE_COUNT).fill('ns/p'));
    expect(await drain(dlqUrl)).toEqual([poisonBody]);
    expect(await lbCount()).toBe(3); // a, c, and the untagged one that blocks p

    const results = (await drain(world.resultsQueueUrl)).map((b) => ReconcileResult.parse(JSON.parse(b)));
    const byStack = (id: string) => results.filter((r) => r.stackId === id);
    expect(byStack('ns/c').map((r) => r.outcome)).toEqual(['Succeeded']);
    expect(byStack('ns/a').at(-1)).toMatchObject({ seq: 2, outcome: 'Succeeded' });
    // Each attempt reported the error, so the last one is on the results queue when the DLQ takes over.
    expect(byStack('ns/p').map((r) => [r.outcome, r.error?.reason])).toEqual(
      Array(MAX_RECEIVE_COUNT).fill(['Failed', 'NotOwned']),
    );
  });

  it('(why the scope is the group) failing the whole batch drags a healthy stack into the DLQ', async () => {
    await poison('p');
    const poisonBody = await send(snap('p', 1));
    const healthyBody = await send(snap('c', 1));

    const log = await pump(handlerFor('batch'));

    // c came after p in every batch, was held back each time, and ran out of receives with it.
    expect(log.batches.every((b) => b.failed.includes('ns/c'))).toBe(true);
    expect((await drain(dlqUrl)).sort()).toEqual([poisonBody, healthyBody].sort());
    expect(await lbCount()).toBe(1);
  });
});
