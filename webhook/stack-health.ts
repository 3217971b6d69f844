/**
 * Which stacks are failing, as far as this webhook knows: a model that does not build, or a reconcile whose
 * latest result failed. The forwarder asks it before skipping an unchanged digest (a failed digest is not
 * "done"), the results consumer tells it every result and learns from it when a stack has recovered.
 *
 * In memory only: after a restart the first resync sends every stack with `verify: true`, and a stack that
 * still fails reports so again.
 */
import type { ReconcileResult } from '../shared/messages';

export type Failure =
  /** The model did not build; only a result of a later snapshot (seq > `afterSeq`) clears it. */
  { cause: 'model'; afterSeq: number } | { cause: 'reconcile'; seq: number; digest: string };

/**
 * What a result means for its stack: `failed`; `recovered` (good, and the stack was failing); `healthy`
 * (good, and it was not); `stale` (older than a result already seen: it says nothing about now).
 */
export type Transition = 'failed' | 'recovered' | 'healthy' | 'stale';

export class StackHealth {
  private readonly failing = new Map<string, Failure>();
  private readonly lastResultSeq = new Map<string, number>();

  /** The stack's model failed to build after snapshot `lastSentSeq` was the newest one sent. */
  modelFailed(stackId: string, lastSentSeq: number): void {
    this.failing.set(stackId, { cause: 'model', afterSeq: lastSentSeq });
  }

  isFailing(stackId: string): boolean {
    return this.failing.has(stackId);
  }

  failure(stackId: string): Failure | undefined {
    return this.failing.get(stackId);
  }

  result(r: Pick<ReconcileResult, 'stackId' | 'seq' | 'digest' | 'outcome'>): Transition {
    const last = this.lastResultSeq.get(r.stackId);
    if (last !== undefined && r.seq < last) return 'stale';
    this.lastResultSeq.set(r.stackId, r.seq);
    if (r.outcome === 'Failed') {
      this.failing.set(r.stackId, { cause: 'reconcile', seq: r.seq, digest: r.digest });
      return 'failed';
    }
    const failure = this.failing.get(r.stackId);
    if (!failure) return 'healthy';
    // A snapshot sent before the model broke says nothing about the fix.
    if (failure.cause === 'model' && r.seq <= failure.afterSeq) return 'healthy';
    this.failing.delete(r.stackId);
    return 'recovered';
  }
}
