/**
 * `albatross redrive`: replays snapshots that gave up into the DLQ, after the cause is fixed.
 *
 * Its own receive → send → delete loop (not StartMessageMoveTask) so that it can show what it moves, keep
 * each message's FIFO group, and run against emulators. A message leaves the DLQ only after the main queue
 * has accepted it: a crash in between at worst replays a snapshot twice, which the reconciler tolerates
 * (SPEC §6.2.9). `--dry-run` only lists: every message it saw is made visible again before it exits.
 */
import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DEAD_LETTER_ATTRIBUTES, decodeSnapshotBody } from '../../shared/codec';
import { defineCommand } from '../command';
import { UsageError } from '../errors';
import { JSON_OUTPUT, REGION } from '../flags';

export interface RedriveOptions {
  dlqUrl: string;
  /** Required unless `dryRun`. */
  queueUrl?: string;
  /** Stop after this many messages (default: until the DLQ returns nothing). */
  max?: number;
  dryRun: boolean;
}

/** What the DLQ message says about itself, decoded as far as it goes. */
export type SnapshotSummary =
  | {
      kind: 'snapshot';
      cluster: string;
      stackId: string;
      seq: number;
      digest: string;
      deletion: boolean;
      members: string[];
      verify: boolean;
    }
  | { kind: 'undecodable'; problem: string };

export interface RedriveEntry {
  messageId: string;
  groupId?: string;
  receiveCount?: number;
  firstReceivedAt?: string;
  sentAt?: string;
  /** The queue that moved it here (SQS sets it on DLQ moves). */
  sourceQueueArn?: string;
  /**
   * The error of the last attempt, as the reconciler attached it when it moved the message here
   * (lambda/dead-letter.ts). Absent when SQS moved it (the last attempt did not finish: see the logs).
   */
  lastError?: string;
  /** When that last attempt failed. */
  failedAt?: string;
  /** Deliveries from the snapshot queue before it gave up (the DLQ copy's own receive count starts again). */
  attempts?: number;
  snapshot: SnapshotSummary;
  action: 'listed' | 'moved' | 'failed';
  error?: string;
}

export interface RedriveReport {
  dryRun: boolean;
  entries: RedriveEntry[];
  moved: number;
  failed: number;
  /**
   * Dry run only: messages the DLQ reported but the listing could not reach — FIFO hides the rest of a
   * group while its first messages are held, and a dry run must not move them out of the way.
   */
  notListed: number;
}

export type ProgressFn = (done: number, total: number | undefined, entry?: RedriveEntry) => void;

const RECEIVE_BATCH = 10;
/** Long enough to send and delete a batch; short enough that an interrupted run releases messages soon. */
const RECEIVE_VISIBILITY_SECONDS = 60;

/** What a DLQ body is, decoded by the same codec as the reconciler's (shared/codec.ts). */
export function summarize(body: string | undefined): SnapshotSummary {
  if (body === undefined) return { kind: 'undecodable', problem: 'empty body' };
  const decoded = decodeSnapshotBody(body);
  if (!decoded.ok) return { kind: 'undecodable', problem: decoded.reason };
  const s = decoded.snapshot;
  return {
    kind: 'snapshot',
    cluster: s.cluster,
    stackId: s.stackId,
    seq: s.seq,
    digest: s.digest,
    deletion: s.stack === null,
    members: s.members.map((m) => `${m.namespace}/${m.name}`),
    verify: s.verify,
  };
}

function describe(message: Message): Omit<RedriveEntry, 'action'> {
  const sys = message.Attributes ?? {};
  const attrs = message.MessageAttributes ?? {};
  const lastError = attrs[DEAD_LETTER_ATTRIBUTES.lastError]?.StringValue;
  const failedAt = attrs[DEAD_LETTER_ATTRIBUTES.failedAt]?.StringValue;
  const attemptsAttr = attrs[DEAD_LETTER_ATTRIBUTES.receiveCount]?.StringValue;
  const attempts = attemptsAttr === undefined ? undefined : Number(attemptsAttr);
  const time = (ms: string | undefined) => (ms ? new Date(Number(ms)).toISOString() : undefined);
  return {
    messageId: message.MessageId ?? '?',
    groupId: sys.MessageGroupId,
    receiveCount: sys.ApproximateReceiveCount ? Number(sys.ApproximateReceiveCount) : undefined,
    firstReceivedAt: time(sys.ApproximateFirstReceiveTimestamp),
    sentAt: time(sys.SentTimestamp),
    sourceQueueArn:
      sys.DeadLetterQueueSourceArn ?? attrs[DEAD_LETTER_ATTRIBUTES.sourceQueue]?.StringValue ?? undefined,
    ...(lastError ? { lastError } : {}),
    ...(failedAt ? { failedAt } : {}),
    ...(attempts !== undefined && Number.isFinite(attempts) ? { attempts } : {}),
    snapshot: summarize(message.Body),
  };
}

const DEAD_LETTER_KEYS = new Set<string>(Object.values(DEAD_LETTER_ATTRIBUTES));

/**
 * Message attributes as SendMessage accepts them (list-typed values are reserved by SQS and dropped), less
 * the DLQ annotations: a replayed snapshot starts clean, so a later error is never mixed with this one.
 */
function forwardableAttributes(message: Message): Record<string, MessageAttributeValue> | undefined {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [key, v] of Object.entries(message.MessageAttributes ?? {})) {
    if (!v.DataType || DEAD_LETTER_KEYS.has(key)) continue;
    out[key] = { DataType: v.DataType, StringValue: v.StringValue, BinaryValue: v.BinaryValue };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export async function redrive(
  sqs: SQSClient,
  options: RedriveOptions,
  progress?: ProgressFn,
): Promise<RedriveReport> {
  if (!options.dryRun && !options.queueUrl) throw new UsageError('missing required flag --queue-url');
  const total = await approximateDepth(sqs, options.dlqUrl, options.max);
  const entries: RedriveEntry[] = [];
  const held: Message[] = [];
  const seen = new Set<string>();
  const limit = options.max ?? Number.POSITIVE_INFINITY;
  progress?.(0, total);
  try {
    // Short polls while messages flow; one long poll (it asks every SQS server) before calling it empty.
    let waitSeconds = 0;
    while (entries.length < limit) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: options.dlqUrl,
          MaxNumberOfMessages: Math.min(RECEIVE_BATCH, limit - entries.length),
          VisibilityTimeout: RECEIVE_VISIBILITY_SECONDS,
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0 && waitSeconds === 0) {
        waitSeconds = 1;
        continue;
      }
      waitSeconds = 0;
      const fresh = Messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const m of fresh) seen.add(m.MessageId!);
      const batch = fresh.slice(0, limit - entries.length);
      // Messages beyond --max in this batch go straight back.
      held.push(...fresh.slice(batch.length));
      const batchEntries = batch.map((m): RedriveEntry => ({ ...describe(m), action: 'listed' }));
      if (options.dryRun) held.push(...batch);
      else await moveBatch(sqs, options.queueUrl!, options.dlqUrl, batch, batchEntries, held);
      for (const entry of batchEntries) {
        entries.push(entry);
        progress?.(entries.length, total, entry);
      }
    }
  } finally {
    await release(sqs, options.dlqUrl, held);
  }
  return {
    dryRun: options.dryRun,
    entries,
    moved: entries.filter((e) => e.action === 'moved').length,
    failed: entries.filter((e) => e.action === 'failed').length,
    notListed: options.dryRun && total !== undefined ? Math.max(0, total - entries.length) : 0,
  };
}

/**
 * Sends a received batch to the queue (order within each group kept: SendMessageBatch preserves it) and
 * deletes from the DLQ exactly the messages the queue accepted.
 */
async function moveBatch(
  sqs: SQSClient,
  queueUrl: string,
  dlqUrl: string,
  messages: Message[],
  entries: RedriveEntry[],
  held: Message[],
): Promise<void> {
  const fail = (i: number, error: string, keep = true) => {
    entries[i]!.action = 'failed';
    entries[i]!.error = error;
    if (keep) held.push(messages[i]!);
  };
  const sendable: number[] = [];
  messages.forEach((_, i) => {
    if (entries[i]!.groupId) sendable.push(i);
    else fail(i, 'MessageGroupId: missing: expected a FIFO DLQ message (is --dlq-url a FIFO queue?)');
  });
  const sent: number[] = [];
  for (const chunk of bySize(sendable, (i) => Buffer.byteLength(messages[i]!.Body ?? ''))) {
    try {
      const { Successful = [], Failed = [] } = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((i) => ({
            Id: String(i),
            MessageBody: messages[i]!.Body,
            MessageGroupId: entries[i]!.groupId,
            // A fresh id: the original (the digest) may still be inside the 5-minute dedup window.
            MessageDeduplicationId: `redrive-${randomUUID()}`,
            MessageAttributes: forwardableAttributes(messages[i]!),
          })),
        }),
      );
      for (const f of Failed) fail(Number(f.Id), `send: ${f.Code ?? 'Error'}: ${f.Message ?? ''}`.trim());
      for (const ok of Successful) sent.push(Number(ok.Id));
    } catch (err) {
      for (const i of chunk) fail(i, `send: ${(err as Error).name}: ${(err as Error).message}`);
    }
  }
  if (sent.length === 0) return;
  // Sent but still in the DLQ (delete failed): the next run replays it once more, which is harmless.
  const deleteFailed = (i: number, why: string) =>
    fail(i, `sent, but delete from the DLQ failed: ${why}`, false);
  try {
    const { Successful = [], Failed = [] } = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: dlqUrl,
        Entries: sent.map((i) => ({ Id: String(i), ReceiptHandle: messages[i]!.ReceiptHandle })),
      }),
    );
    for (const f of Failed) deleteFailed(Number(f.Id), `${f.Code ?? 'Error'}: ${f.Message ?? ''}`.trim());
    for (const ok of Successful) entries[Number(ok.Id)]!.action = 'moved';
  } catch (err) {
    for (const i of sent) deleteFailed(i, `${(err as Error).name}: ${(err as Error).message}`);
  }
}

/** SendMessageBatch caps the whole request; 256 KiB per request stays valid on every SQS limit there was. */
const BATCH_BYTES = 256 * 1024;

function bySize(indices: number[], size: (i: number) => number): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const i of indices) {
    const n = size(i);
    if (current.length > 0 && bytes + n > BATCH_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Makes held messages visible again at once (dry run, --max remainder, failed sends). */
async function release(sqs: SQSClient, queueUrl: string, messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += RECEIVE_BATCH) {
    const chunk = messages.slice(i, i + RECEIVE_BATCH);
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((m, j) => ({
          Id: String(j),
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

async function approximateDepth(sqs: SQSClient, queueUrl: string, max?: number): Promise<number | undefined> {
  try {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    const n = Number(Attributes?.ApproximateNumberOfMessages);
    if (!Number.isFinite(n)) return max;
    return max === undefined ? n : Math.min(n, max);
  } catch {
    return max; // Only the progress bar needs it.
  }
}

// ---- presentation -------------------------------------------------------------------------------------

export function formatEntry(e: RedriveEntry): string {
  const s = e.snapshot;
  const what =
    s.kind === 'snapshot'
      ? `stack ${s.stackId} (cluster ${s.cluster}, seq ${s.seq}, ${s.deletion ? 'deletion' : `digest ${s.digest.slice(0, 12)}`}${s.verify ? ', verify' : ''}; members ${s.members.join(', ') || 'none'})`
      : `undecodable body (${s.problem})`;
  const facts = [
    e.groupId ? `group ${e.groupId}` : undefined,
    e.attempts !== undefined ? `gave up after ${e.attempts} attempts` : undefined,
    e.receiveCount !== undefined ? `received ${e.receiveCount}×` : undefined,
    e.sentAt ? `sent ${e.sentAt}` : undefined,
  ].filter(Boolean);
  const lines = [`${e.messageId}: ${what}`, `  ${facts.join(', ')}`];
  lines.push(
    e.lastError
      ? `  last error: ${e.lastError}${e.failedAt ? ` (at ${e.failedAt})` : ''}`
      : '  last error: none recorded (SQS moved it: the last attempt did not finish; see the reconciler logs)',
  );
  const verdict = {
    listed: 'listed (dry run, left in the DLQ)',
    moved: 'moved to the queue',
    failed: `FAILED: ${e.error}`,
  };
  lines.push(`  → ${verdict[e.action]}`);
  return lines.join('\n');
}

export function progressBar(done: number, total: number | undefined, width = 20): string {
  if (total === undefined || total <= 0) return `\r${done}`;
  const filled = Math.min(width, Math.round((done / total) * width));
  return `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}

/** `https://sqs.eu-west-1.amazonaws.com/…` → `eu-west-1`, so the region flag is rarely needed. */
export function regionOf(queueUrl: string): string | undefined {
  return /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\//.exec(queueUrl)?.[1];
}

export const command = defineCommand({
  flags: {
    'dlq-url': { type: 'string', placeholder: 'URL', required: true, description: 'the dead-letter queue' },
    'queue-url': {
      type: 'string',
      placeholder: 'URL',
      description: 'the snapshot queue to move the messages to (required unless --dry-run)',
    },
    max: { type: 'string', placeholder: 'N', description: 'stop after N messages (default: all)' },
    'dry-run': { type: 'boolean', description: 'only list the messages; move nothing' },
    region: REGION,
    json: JSON_OUTPUT,
  },
  async run({ flags: values, json }) {
    const dryRun = values['dry-run'];
    const dlqUrl = values['dlq-url'];
    const queueUrl = values['queue-url'];
    if (!dryRun && queueUrl === undefined)
      throw new UsageError('missing required flag --queue-url URL (or --dry-run)', { flag: 'queue-url' });
    let max: number | undefined;
    if (values.max !== undefined) {
      max = Number(values.max);
      if (!Number.isInteger(max) || max < 1)
        throw new UsageError(`--max: ${JSON.stringify(values.max)}: expected a positive integer`);
    }
    for (const [flag, url] of [
      ['dlq-url', dlqUrl],
      ['queue-url', queueUrl],
    ] as const) {
      if (url !== undefined && !/^https?:\/\//.test(url))
        throw new UsageError(
          `--${flag}: ${JSON.stringify(url)}: expected a queue URL (https://sqs.<region>.amazonaws.com/…)`,
        );
    }

    const region =
      values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? regionOf(dlqUrl);
    const sqs = new SQSClient(region ? { region } : {});
    const tty = process.stderr.isTTY === true;
    const progress: ProgressFn = (done, total, entry) => {
      if (tty) process.stderr.write(progressBar(done, total));
      else if (entry)
        process.stderr.write(`redrive: ${done}/${total ?? '?'} ${entry.messageId} ${entry.action}\n`);
    };
    const report = await redrive(sqs, { dlqUrl, queueUrl, max, dryRun }, progress);
    if (tty) process.stderr.write('\n');

    if (json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      for (const entry of report.entries) process.stdout.write(`${formatEntry(entry)}\n`);
      const summary = dryRun
        ? `${report.entries.length} message(s) in the DLQ listed; nothing changed`
        : `${report.moved} moved, ${report.failed} failed`;
      process.stdout.write(`${summary}\n`);
      if (report.notListed > 0)
        process.stdout.write(
          `${report.notListed} more message(s) wait behind these in their stacks' FIFO groups; a dry run cannot list them without moving the ones in front\n`,
        );
    }
    return report.failed > 0 ? 1 : 0;
  },
});
