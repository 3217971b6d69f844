import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BatchRecord, failureTracker, planBatch } from '../../lambda/sqs/batch';
import { encodeSnapshotBody } from '../../shared/codec';
import type { StackSnapshot } from '../../shared/messages';
import { stackSnapshot } from '../support/snapshot-fixtures';

const cluster = 'coalesce-test';

function body(s: StackSnapshot): string {
  const enc = encodeSnapshotBody(s);
  if (!enc.ok) throw new Error(enc.error.message);
  return enc.body;
}

const snap = (name: string, seq: number, verify = false) =>
  stackSnapshot({ cluster, namespace: 'ns', name, seq, verify, version: `v${seq}` });

const records = (...bodies: string[]): BatchRecord[] =>
  bodies.map((b, i) => ({ messageId: `m${i}`, body: b }));

describe('planBatch', () => {
  it('keeps only the highest seq per stack, in batch order of the winner', () => {
    const plan = planBatch(
      records(
        body(snap('a', 1)),
        body(snap('b', 5)),
        body(snap('a', 3)),
        body(snap('a', 2)),
        body(snap('c', 1)),
      ),
    );
    expect(plan.work.map((w) => [w.messageId, w.snapshot.stackId, w.snapshot.seq])).toEqual([
      ['m1', 'ns/b', 5],
      ['m2', 'ns/a', 3],
      ['m4', 'ns/c', 1],
    ]);
    expect(plan.work[1]!.supersedes).toEqual([
      { index: 0, messageId: 'm0', seq: 1 },
      { index: 3, messageId: 'm3', seq: 2 },
    ]);
    expect(plan.coalesced).toBe(2);
    expect(plan.malformed).toEqual([]);
  });

  it('lets the later of two records with the same seq win (a resend of the same state)', () => {
    const plan = planBatch(records(body(snap('a', 4)), body(snap('a', 4, true))));
    expect(plan.work).toHaveLength(1);
    expect(plan.work[0]).toMatchObject({ messageId: 'm1', snapshot: { verify: true } });
    expect(plan.work[0]!.supersedes).toEqual([{ index: 0, messageId: 'm0', seq: 4 }]);
  });

  it('keeps an earlier higher seq over a later stale one', () => {
    const plan = planBatch(records(body(snap('a', 9)), body(snap('a', 4))));
    expect(plan.work.map((w) => [w.messageId, w.snapshot.seq])).toEqual([['m0', 9]]);
    expect(plan.work[0]!.supersedes).toEqual([{ index: 1, messageId: 'm1', seq: 4 }]);
  });

  it('treats the same stackId of another cluster as another stack', () => {
    const other = stackSnapshot({ cluster: 'other', namespace: 'ns', name: 'a', seq: 1 });
    const plan = planBatch(records(body(snap('a', 2)), body(other)));
    expect(plan.work.map((w) => w.snapshot.cluster)).toEqual([cluster, 'other']);
    expect(plan.coalesced).toBe(0);
  });

  it('sets malformed records aside with their reason and whatever identity they still carry', () => {
    const bad = JSON.stringify({ ...snap('b', 2), seq: 'two' });
    const plan = planBatch(records(body(snap('a', 1)), 'garbage', bad));
    expect(plan.work.map((w) => w.messageId)).toEqual(['m0']);
    expect(plan.malformed).toEqual([
      {
        index: 1,
        messageId: 'm1',
        reason: expect.stringMatching(/^body: garbage: expected JSON/),
        identity: {},
      },
      {
        index: 2,
        messageId: 'm2',
        reason: 'seq: two: expected number, received string',
        identity: { cluster, stackId: 'ns/b', digest: snap('b', 2).digest },
      },
    ]);
  });

  it('accounts for every record exactly once, and each winner has its stack’s highest seq (property)', () => {
    const entry = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({ stack: fc.constantFrom('a', 'b', 'c'), seq: fc.nat({ max: 20 }) }),
      },
      { weight: 1, arbitrary: fc.constant(null) },
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 10 }), (entries) => {
        const bodies = entries.map((e) => (e === null ? '{"kind":"nope"}' : body(snap(e.stack, e.seq))));
        const plan = planBatch(records(...bodies));
        const seen = [
          ...plan.work.flatMap((w) => [w.index, ...w.supersedes.map((s) => s.index)]),
          ...plan.malformed.map((m) => m.index),
        ].sort((x, y) => x - y);
        if (JSON.stringify(seen) !== JSON.stringify(entries.map((_, i) => i))) return false;
        for (const w of plan.work) {
          const max = Math.max(
            ...entries.filter((e) => e?.stack === w.snapshot.stackId.slice(3)).map((e) => e!.seq),
          );
          if (w.snapshot.seq !== max) return false;
        }
        const sorted = plan.work.every((w, i) => i === 0 || plan.work[i - 1]!.index < w.index);
        return sorted && plan.coalesced === entries.filter((e) => e !== null).length - plan.work.length;
      }),
    );
  });
});

describe('failureTracker', () => {
  // m0 a1 · m1 b1 · m2 garbage · m3 a2 · m4 c1 · m5 b2(stale: seq 0)
  const batch = () =>
    planBatch(
      records(
        body(snap('a', 1)),
        body(snap('b', 1)),
        'garbage',
        body(snap('a', 2)),
        body(snap('c', 1)),
        body(snap('b', 0)),
      ),
    );
  const ids = (t: ReturnType<typeof failureTracker>) => t.failures().map((f) => f.itemIdentifier);

  it('holds nothing back when nothing failed', () => {
    const t = failureTracker(batch());
    expect(t.failures()).toEqual([]);
    expect([0, 1, 2, 3, 4, 5].some((i) => t.held(i))).toBe(false);
  });

  it('scope group: holds back the failed record and the later records of its stack only', () => {
    const t = failureTracker(batch(), 'group');
    t.fail(1);
    expect(ids(t)).toEqual(['m1', 'm5']);
    expect([0, 2, 3, 4].some((i) => t.held(i))).toBe(false);
    t.fail(3);
    expect(ids(t)).toEqual(['m1', 'm3', 'm5']);
  });

  it('scope group: follows the SQS MessageGroupId when the records carry it', () => {
    const plan = planBatch([
      { messageId: 'x', body: body(snap('a', 1)), groupId: 'g1' },
      { messageId: 'y', body: 'garbage', groupId: 'g1' },
      { messageId: 'z', body: body(snap('b', 1)), groupId: 'g2' },
    ]);
    const t = failureTracker(plan, 'group');
    t.fail(0);
    expect(ids(t)).toEqual(['x', 'y']);
  });

  it('scope batch: holds back the failed record and every later record of the batch', () => {
    const t = failureTracker(batch(), 'batch');
    t.fail(3);
    expect(ids(t)).toEqual(['m3', 'm4', 'm5']);
    expect(t.held(2)).toBe(false);
    t.fail(1);
    expect(ids(t)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
  });
});
