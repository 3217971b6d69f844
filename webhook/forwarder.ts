/**
 * Cluster changes → snapshots on the queue. Changes mark stacks dirty; after a quiet period (1 s) or a
 * maximum delay (8 s, so a stack edited without pause is still sent about twice per burst of ten
 * seconds rather than on every edit) dirty stacks are rebuilt and sent, each at most once per flush and only when its digest
 * changed — or when the stack is failing (its model did not build, or its last result failed): a failed
 * digest is not done, so the next change re-sends it, verified, even when the digest is the same (an
 * AWS-side fix followed by any edit, a broken annotation reverted). A bounded in-memory queue absorbs SQS outages; what overflows is counted and recovered by the
 * next resync, which sends every stack with `verify: true` plus deletions for orphans.
 */
import { type BuildOptions, buildStack, buildStacks, type StackBuild } from '../shared/build';
import { API_VERSION, type MemberRef, type StackSnapshot, stackDigest } from '../shared/messages';
import { formatProblem } from '../shared/problems';
import type { ClusterState } from './cluster-state';
import { affectedStacks } from './dirty';
import type { SnapshotSender } from './sqs-sender';
import type { StackHealth } from './stack-health';

export interface ForwarderEvents {
  /** A stack whose model failed: one Warning Event per `modelFailureRecipients` (FailedBuildModel). */
  modelFailed(build: StackBuild, message: string): void;
  /** A snapshot that could not be sent at all (too large, invalid). */
  sendFailed(snapshot: StackSnapshot, reason: string): void;
}

/**
 * Who hears of a failed model: every active member, and the inactive members a problem is about (a
 * deleting Ingress held by deletion protection may be the only Ingress left to tell).
 */
export function modelFailureRecipients(build: StackBuild): MemberRef[] {
  const named = new Set(
    build.result.ok
      ? []
      : build.result.problems
          .filter((p) => p.object.kind === 'Ingress')
          .map((p) => `${p.object.namespace}/${p.object.name}`),
  );
  return [...build.members, ...build.inactiveMembers.filter((m) => named.has(`${m.namespace}/${m.name}`))];
}

export interface ForwarderMetrics {
  queueDepth(n: number): void;
  sent(n: number): void;
  sendFailures(n: number): void;
  overflow(n: number): void;
}

export interface ForwarderOptions extends BuildOptions {
  state: ClusterState;
  sender: SnapshotSender;
  isLeader: () => boolean;
  events?: ForwarderEvents;
  metrics?: ForwarderMetrics;
  /** What the results told about each stack; without it a failed digest is never re-sent before the resync. */
  health?: StackHealth;
  debounceMs?: number;
  maxDelayMs?: number;
  maxQueue?: number;
  /**
   * Send nothing before the first `resync()`: it sends every stack anyway, and the start-up changes of the
   * cluster state would otherwise race it and send each stack twice.
   */
  holdUntilResync?: boolean;
  /** A clock for seq numbers; seeded from the wall clock so a restarted sender keeps increasing. */
  now?: () => number;
}

export class Forwarder {
  private readonly dirty = new Set<string>();
  private readonly queue: StackSnapshot[] = [];
  private readonly lastDigest = new Map<string, string>();
  private quietTimer?: NodeJS.Timeout;
  private maxTimer?: NodeJS.Timeout;
  private seq: number;
  private sending?: Promise<void>;
  private resynced = false;
  readonly stats = { sent: 0, sendFailures: 0, overflow: 0, flushes: 0 };

  constructor(private readonly o: ForwarderOptions) {
    this.seq = (o.now ?? Date.now)();
    o.state.onChange((change) => this.markDirty(affectedStacks(change, o.state.snapshot())));
  }

  markDirty(stackIds: Iterable<string>): void {
    let any = false;
    for (const id of stackIds) {
      this.dirty.add(id);
      any = true;
    }
    if (!any) return;
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => void this.flush(), this.o.debounceMs ?? 1000);
    this.maxTimer ??= setTimeout(() => void this.flush(), this.o.maxDelayMs ?? 8000);
  }

  /** Builds every dirty stack and sends what changed. Followers build nothing and keep the marks. */
  async flush(): Promise<void> {
    clearTimeout(this.quietTimer);
    clearTimeout(this.maxTimer);
    this.maxTimer = undefined;
    if (!this.o.isLeader() || (this.o.holdUntilResync && !this.resynced)) return;
    this.stats.flushes++;
    const ids = [...this.dirty];
    this.dirty.clear();
    const objects = this.o.state.view?.() ?? this.o.state.snapshot();
    for (const id of ids) {
      const build = buildStack(id, objects, this.o);
      if (build) this.enqueueBuild(build, false);
      else if (this.lastDigest.has(id)) this.enqueue(this.deletion(id));
    }
    await this.drain();
  }

  /** Every stack with `verify: true`, plus a deletion for each orphan (in AWS, no Ingress left). */
  async resync(stacksInAws: readonly string[] = []): Promise<void> {
    if (!this.o.isLeader()) return;
    this.resynced = true;
    // Everything is sent now; pending marks would only send it twice.
    this.dirty.clear();
    const builds = buildStacks(this.o.state.snapshot(), this.o);
    const known = new Set(builds.map((b) => b.stackId));
    for (const b of builds) this.enqueueBuild(b, true);
    for (const id of stacksInAws) if (!known.has(id)) this.enqueue(this.deletion(id));
    await this.drain();
  }

  /** Sends what is queued (on shutdown too). */
  async drain(): Promise<void> {
    while (this.sending) await this.sending;
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.queue.length);
    this.sending = (async () => {
      const { failed } = await this.o.sender.send(batch);
      const failedSet = new Set(failed.map((f) => f.snapshot));
      const sent = batch.filter((s) => !failedSet.has(s));
      for (const s of sent) this.lastDigest.set(s.stackId, s.digest);
      this.stats.sent += sent.length;
      this.stats.sendFailures += failed.length;
      this.o.metrics?.sent(sent.length);
      if (failed.length) this.o.metrics?.sendFailures(failed.length);
      for (const f of failed) {
        this.o.events?.sendFailed(f.snapshot, f.reason);
        // Retry later: the stack is marked dirty again (the debounce paces the retries).
        this.lastDigest.delete(f.snapshot.stackId);
      }
      this.o.metrics?.queueDepth(this.queue.length);
      if (failed.length) this.markDirty(failed.map((f) => f.snapshot.stackId));
    })();
    try {
      await this.sending;
    } finally {
      this.sending = undefined;
    }
  }

  private enqueueBuild(build: StackBuild, verify: boolean): void {
    if (!build.result.ok) {
      const message = build.result.problems.map(formatProblem).join('\n');
      this.o.health?.modelFailed(build.stackId, this.seq);
      this.o.events?.modelFailed(build, message);
      return;
    }
    const digest = stackDigest(build.result.stack);
    // Verified: the failed attempt may have left AWS anywhere, and the digest fast path must not hide it.
    const retry = this.o.health?.isFailing(build.stackId) ?? false;
    if (!verify && !retry && this.lastDigest.get(build.stackId) === digest) return;
    this.enqueue({
      apiVersion: API_VERSION,
      kind: 'StackSnapshot',
      cluster: this.o.clusterName,
      stackId: build.stackId,
      seq: ++this.seq,
      digest,
      verify: verify || retry,
      members: build.members,
      inactiveMembers: build.inactiveMembers,
      stack: build.result.stack,
    });
  }

  private deletion(stackId: string): StackSnapshot {
    return {
      apiVersion: API_VERSION,
      kind: 'StackSnapshot',
      cluster: this.o.clusterName,
      stackId,
      seq: ++this.seq,
      digest: stackDigest(null),
      verify: false,
      members: [],
      inactiveMembers: [],
      stack: null,
    };
  }

  private enqueue(s: StackSnapshot): void {
    // One entry per stack: a newer snapshot replaces a queued one.
    const i = this.queue.findIndex((q) => q.stackId === s.stackId);
    if (i >= 0) this.queue.splice(i, 1);
    if (this.queue.length >= (this.o.maxQueue ?? 1000)) {
      this.stats.overflow++;
      this.o.metrics?.overflow(1);
      return;
    }
    this.queue.push(s);
    this.o.metrics?.queueDepth(this.queue.length);
  }
}
