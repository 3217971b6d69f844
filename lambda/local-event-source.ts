/**
 * The part of Lambda's SQS event source mapping that local mode and the e2e suite need, in-process: long-poll the snapshot
 * queue in moto, hand each batch to the real handler as an SQSEvent, delete what it did not report in
 * `batchItemFailures` (and, FIFO, nothing after the first failure in its group), count what it saw.
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export type BatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

export interface Pump {
  /** Every message body received so far, in order (redeliveries included). */
  received: string[];
  /** Handler errors (a thrown handler fails the whole batch, as in Lambda). */
  errors: unknown[];
  /** Resolves once the queue has been empty and the handler idle for `quietMs`. */
  idle(quietMs?: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function toRecord(m: Message, queueArn: string, region: string): SQSRecord {
  const a = m.Attributes ?? {};
  return {
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? 'test',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      SequenceNumber: a.SequenceNumber,
      MessageGroupId: a.MessageGroupId,
      MessageDeduplicationId: a.MessageDeduplicationId,
    },
    messageAttributes: {},
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

export async function startPump(sqs: SQSClient, queueUrl: string, handler: BatchHandler): Promise<Pump> {
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = attrs.Attributes?.QueueArn ?? '';
  const region = (await sqs.config.region()) ?? 'us-east-1';
  const received: string[] = [];
  const errors: unknown[] = [];
  let stopped = false;
  let lastActivity = Date.now();
  let busy = false;

  const loop = (async () => {
    while (!stopped) {
      const res = await sqs
        .send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: 5,
            MessageSystemAttributeNames: ['All'],
          }),
        )
        .catch((err: unknown) => {
          if (!stopped) errors.push(err);
          return { Messages: [] as Message[] };
        });
      const messages = res.Messages ?? [];
      if (messages.length === 0) continue;
      busy = true;
      lastActivity = Date.now();
      try {
        for (const m of messages) received.push(m.Body ?? '');
        const records = messages.map((m) => toRecord(m, queueArn, region));
        let failed = new Set<string>();
        try {
          const out = await handler({ Records: records });
          failed = new Set((out?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        } catch (err) {
          errors.push(err);
          failed = new Set(records.map((r) => r.messageId));
        }
        const done = records.filter((r) => !failed.has(r.messageId));
        if (done.length > 0) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
            }),
          );
        }
      } finally {
        busy = false;
        lastActivity = Date.now();
      }
    }
  })();

  return {
    received,
    errors,
    async idle(quietMs = 1500, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (busy || Date.now() - lastActivity < quietMs) {
        if (Date.now() > deadline) throw new Error(`queue not idle within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
