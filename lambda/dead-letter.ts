/**
 * The last attempt of a failing snapshot moves it to the DLQ itself, with its error attached.
 *
 * SQS's own redrive moves a message unchanged: the error that made it give up exists only in the logs and
 * on the results queue (which the webhook consumes). So on the delivery whose receive count reaches the
 * queue's `maxReceiveCount`, the handler sends the body to the DLQ — same FIFO group, the error in message
 * attributes (see `DEAD_LETTER_ATTRIBUTES`) — and reports the record done, so Lambda deletes it. When
 * that send fails the record is reported failed as before, and SQS moves it on the next receive, without
 * the error: `albatross redrive` then says none was recorded.
 */
import type { MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { DEAD_LETTER_ATTRIBUTES as A, formatLastError } from '../shared/codec';
import type { ReconcileError } from '../shared/messages';
import type { SendResult } from './results';

export interface DeadLetterSink {
  /** The snapshot queue's `maxReceiveCount`: the delivery that reaches it is the last one. */
  maxReceiveCount: number;
  send(record: SQSRecord, error: ReconcileError, now?: Date): Promise<SendResult>;
}

/** True when SQS would not deliver this record again after a failure. */
export function isLastAttempt(record: SQSRecord, maxReceiveCount: number): boolean {
  const count = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isFinite(count) && count >= maxReceiveCount;
}

export function deadLetterAttributes(
  record: SQSRecord,
  error: ReconcileError,
  now: Date,
): Record<string, MessageAttributeValue> {
  const str = (v: string): MessageAttributeValue => ({ DataType: 'String', StringValue: v });
  return {
    [A.lastError]: str(formatLastError(error).slice(0, 4096)),
    [A.reason]: str(error.reason),
    [A.failedAt]: str(now.toISOString()),
    [A.receiveCount]: { DataType: 'Number', StringValue: record.attributes?.ApproximateReceiveCount ?? '0' },
    ...(record.eventSourceARN ? { [A.sourceQueue]: str(record.eventSourceARN) } : {}),
  };
}

/** Sends to a FIFO DLQ; never throws. */
export function sqsDeadLetterSink(sqs: SQSClient, dlqUrl: string, maxReceiveCount: number): DeadLetterSink {
  return {
    maxReceiveCount,
    async send(record, error, now = new Date()) {
      try {
        const out = await sqs.send(
          new SendMessageCommand({
            QueueUrl: dlqUrl,
            MessageBody: record.body,
            MessageGroupId: record.attributes?.MessageGroupId,
            // The message id: a retried move of the same delivery is deduplicated by SQS.
            MessageDeduplicationId: `dlq-${record.messageId}`.slice(0, 128),
            MessageAttributes: deadLetterAttributes(record, error, now),
          }),
        );
        return { ok: true, messageId: out.MessageId };
      } catch (err) {
        const e = err as { name?: string; message?: string };
        return {
          ok: false,
          message: `SendMessage to ${dlqUrl}: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`,
        };
      }
    },
  };
}
