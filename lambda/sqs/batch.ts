/**
 * One SQS batch as a plan (pure): decode every record, coalesce snapshots per stack (SPEC §6.2.1), and,
 * once the work has run, the FIFO `batchItemFailures` (SPEC §6.2.8).
 *
 * Decisions, in one place:
 * - **Coalescing**: per stack (`cluster` + `stackId`) only the highest `seq` is reconciled; on a tie the
 *   later record wins (a resend of the same state). The others are *superseded*: done, never retried.
 * - **Order**: winners run in batch order of their own position. Every earlier record has then either run
 *   or been superseded, so "this and every later record" is exactly what is left undone after a failure.
 * - **Malformed** records (not a decodable, valid StackSnapshot) are done, not retried: a retry cannot
 *   change their bytes, and holding them would block their FIFO group and every later record until the
 *   DLQ took them. The handler logs them with the reason, counts them, and reports a Failed result when the
 *   body still names its stack.
 * - **Failure**: the first failed stack and every record after it in the batch (whatever its stack or
 *   state) go to `batchItemFailures`, as Lambda's FIFO contract asks; nothing before it does.
 */
import type { SQSBatchItemFailure } from 'aws-lambda';
import { type DecodeResult, decodeSnapshotBody, type SnapshotIdentity } from '../../shared/codec';
import type { StackSnapshot } from '../../shared/messages';

export interface BatchRecord {
  messageId: string;
  body: string;
}

export interface WorkItem {
  /** Position of the winning record in the batch. */
  index: number;
  messageId: string;
  snapshot: StackSnapshot;
  /** Records of the same stack this one made redundant. */
  supersedes: SupersededItem[];
}

export interface SupersededItem {
  index: number;
  messageId: string;
  seq: number;
}

export interface MalformedItem {
  index: number;
  messageId: string;
  reason: string;
  identity: SnapshotIdentity;
}

export interface BatchPlan {
  /** One per stack, in batch order of the winning record. */
  work: WorkItem[];
  malformed: MalformedItem[];
  /** Number of records superseded by a later (or higher-seq) snapshot of the same stack. */
  coalesced: number;
  /** `messageId` of every record, in batch order. */
  messageIds: string[];
}

const stackKey = (s: Pick<StackSnapshot, 'cluster' | 'stackId'>) => `${s.cluster}\u0000${s.stackId}`;

export function planBatch(
  records: readonly BatchRecord[],
  decode: (body: string) => DecodeResult = decodeSnapshotBody,
): BatchPlan {
  const winners = new Map<string, WorkItem>();
  const malformed: MalformedItem[] = [];
  let coalesced = 0;

  records.forEach((record, index) => {
    const decoded = decode(record.body);
    if (!decoded.ok) {
      malformed.push({
        index,
        messageId: record.messageId,
        reason: decoded.reason,
        identity: decoded.identity,
      });
      return;
    }
    const snapshot = decoded.snapshot;
    const key = stackKey(snapshot);
    const current = winners.get(key);
    if (current === undefined) {
      winners.set(key, { index, messageId: record.messageId, snapshot, supersedes: [] });
      return;
    }
    coalesced++;
    if (snapshot.seq >= current.snapshot.seq) {
      const loser = { index: current.index, messageId: current.messageId, seq: current.snapshot.seq };
      winners.set(key, {
        index,
        messageId: record.messageId,
        snapshot,
        supersedes: [...current.supersedes, loser],
      });
    } else {
      current.supersedes.push({ index, messageId: record.messageId, seq: snapshot.seq });
    }
  });

  const work = [...winners.values()].sort((a, b) => a.index - b.index);
  return { work, malformed, coalesced, messageIds: records.map((r) => r.messageId) };
}

/** FIFO: the record at `failedIndex` and every later one, in batch order; none when nothing failed. */
export function batchItemFailures(plan: BatchPlan, failedIndex: number | undefined): SQSBatchItemFailure[] {
  if (failedIndex === undefined) return [];
  return plan.messageIds.slice(failedIndex).map((itemIdentifier) => ({ itemIdentifier }));
}
