/**
 * One SQS batch as a plan (pure): decode every record, coalesce snapshots per stack (SPEC §6.2.1), and,
 * once the work has run, the FIFO `batchItemFailures` (SPEC §6.2.8).
 *
 * Decisions, in one place:
 * - **Coalescing**: per stack (`cluster` + `stackId`) only the highest `seq` is reconciled; on a tie the
 *   later record wins (a resend of the same state). The others are *superseded*: done, never retried.
 * - **Order**: winners run in batch order of their own position, so every earlier record of a group has
 *   either run or been superseded when a record of that group runs.
 * - **Malformed** records (not a decodable, valid StackSnapshot) are done, not retried: a retry cannot
 *   change their bytes, and holding them would block their FIFO group and every later record until the
 *   DLQ took them. The handler logs them with the reason, counts them, and reports a Failed result when the
 *   body still names its stack.
 * - **Failure** (FIFO, SPEC §6.2.8: "this and every later message"): the first failed record of a message
 *   group and every later record *of that group* go to `batchItemFailures`, and later work of that group is
 *   not run; other groups carry on (scope `group`, what Powertools' FIFO processor calls
 *   `skipGroupOnError`). FIFO order is per group (the sender's `MessageGroupId` is the stack), so this
 *   keeps every guarantee. Scope `batch` — fail every later record of the whole batch — is kept for
 *   comparison only: each failed record's receive count goes up, so a stack that merely came after a
 *   poison message in a batch would follow it into the DLQ (test/aws/handler-sqs.test.ts shows it).
 */
import type { SQSBatchItemFailure } from 'aws-lambda';
import { type DecodeResult, decodeSnapshotBody, type SnapshotIdentity } from '../../shared/codec';
import type { StackSnapshot } from '../../shared/messages';

export interface BatchRecord {
  messageId: string;
  body: string;
  /** The SQS `MessageGroupId`; absent: the stack (or, for an undecodable body, the record itself). */
  groupId?: string;
}

export type FailureScope = 'group' | 'batch';

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
  /** FIFO group of every record, in batch order. */
  groups: string[];
}

const stackKey = (s: Pick<StackSnapshot, 'cluster' | 'stackId'>) => `${s.cluster}\u0000${s.stackId}`;

export function planBatch(
  records: readonly BatchRecord[],
  decode: (body: string) => DecodeResult = decodeSnapshotBody,
): BatchPlan {
  const winners = new Map<string, WorkItem>();
  const malformed: MalformedItem[] = [];
  let coalesced = 0;

  const groups: string[] = [];
  records.forEach((record, index) => {
    const decoded = decode(record.body);
    groups.push(
      record.groupId ?? (decoded.ok ? `stack:${stackKey(decoded.snapshot)}` : `message:${record.messageId}`),
    );
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
  return { work, malformed, coalesced, messageIds: records.map((r) => r.messageId), groups };
}

/** Which records a failure holds back. Feed failures in batch order (the order work runs in). */
export interface FailureTracker {
  /** Marks the record at `index` failed: it and every later record of its scope are held back. */
  fail(index: number): void;
  /** True when the record at `index` must not run: an earlier record of its scope failed. */
  held(index: number): boolean;
  /** The held records, in batch order: the handler's `batchItemFailures`. */
  failures(): SQSBatchItemFailure[];
}

export function failureTracker(plan: BatchPlan, scope: FailureScope = 'group'): FailureTracker {
  const failedFrom = new Map<string, number>();
  const scopeOf = (index: number) => (scope === 'batch' ? '' : (plan.groups[index] ?? ''));
  const held = (index: number) => {
    const from = failedFrom.get(scopeOf(index));
    return from !== undefined && from <= index;
  };
  return {
    fail(index) {
      const key = scopeOf(index);
      const from = failedFrom.get(key);
      if (from === undefined || index < from) failedFrom.set(key, index);
    },
    held,
    failures: () => plan.messageIds.flatMap((itemIdentifier, i) => (held(i) ? [{ itemIdentifier }] : [])),
  };
}
