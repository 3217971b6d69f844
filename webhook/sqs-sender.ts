/** Sends snapshots to the FIFO queue in batches of ten, with the SDK's jittered retries. */
import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { encodeSnapshotBody } from '../shared/codec';
import type { StackSnapshot } from '../shared/messages';

export interface SnapshotSender {
  /** Resolves with the snapshots that could not be sent (never throws). */
  send(snapshots: StackSnapshot[]): Promise<{ failed: { snapshot: StackSnapshot; reason: string }[] }>;
}

/** SQS MessageGroupId: the allowed characters only, at most 128 (hashed when longer). */
export function messageGroupId(cluster: string, stackId: string): string {
  const raw = `${cluster}:${stackId}`.replace(/[^A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g, '_');
  return raw.length <= 128
    ? raw
    : `${raw.slice(0, 100)}-${createHash('sha256').update(raw).digest('hex').slice(0, 27)}`;
}

/**
 * Dedup id: the digest plus the sequence number. The digest alone would let SQS's five-minute dedup
 * window swallow a revert (A → B → A), leaving AWS at B; with the seq, only a retried send of the same
 * snapshot is deduplicated, and an unchanged stack is skipped by the reconciler's digest fast path.
 */
export function deduplicationId(s: StackSnapshot): string {
  return `${s.digest}-${s.seq}${s.verify ? '-v' : ''}`;
}

export class SqsSnapshotSender implements SnapshotSender {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(snapshots: StackSnapshot[]) {
    const failed: { snapshot: StackSnapshot; reason: string }[] = [];
    const ready: { snapshot: StackSnapshot; body: string }[] = [];
    for (const s of snapshots) {
      const enc = encodeSnapshotBody(s);
      if (enc.ok) ready.push({ snapshot: s, body: enc.body });
      else failed.push({ snapshot: s, reason: enc.error.message });
    }
    for (let i = 0; i < ready.length; i += 10) {
      const chunk = ready.slice(i, i + 10);
      try {
        const r = await this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map((c, j) => ({
              Id: String(j),
              MessageBody: c.body,
              MessageGroupId: messageGroupId(c.snapshot.cluster, c.snapshot.stackId),
              MessageDeduplicationId: deduplicationId(c.snapshot),
            })),
          }),
        );
        for (const f of r.Failed ?? []) {
          const c = chunk[Number(f.Id)];
          if (c) failed.push({ snapshot: c.snapshot, reason: `${f.Code ?? 'error'}: ${f.Message ?? ''}` });
        }
      } catch (err) {
        for (const c of chunk) failed.push({ snapshot: c.snapshot, reason: (err as Error).message });
      }
    }
    return { failed };
  }
}

export { SQSClient };
