/**
 * ALB target health → the pods' target-health conditions. Only the Lease holder reads AWS, and only for
 * target groups that gated pods are waiting on: one `DescribeTargetHealth` per such target group per
 * round, rounds at most every `intervalMs` (2 s), backing off to `maxBackoffMs` (30 s) while AWS fails,
 * and no round at all while no pod waits (a pod change wakes it up).
 *
 * A target group is found by name once (`DescribeTargetGroups`) and its ARN kept until AWS says it is
 * gone. Writes go to the status subresource only when the condition would change, so a pod that stays
 * unhealthy costs one read per round and no write.
 */
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { V1Pod } from '@kubernetes/client-node';
import {
  awaitedTargetGroups,
  combineObservations,
  conditionFor,
  conditionTypeFor,
  conditionUpToDate,
  type DesiredCondition,
  podCondition,
  RELEASED,
  type TargetObservation,
} from '../../shared/readiness-gates';
import type { ClusterState } from '../cluster-state';
import type { GateIndex } from './gate-index';
import type { ReadinessGateMetrics } from './metrics';
import type { PodConditionWriter } from './pod-status';

export interface TargetHealthReporterOptions {
  state: ClusterState;
  gates: GateIndex;
  elbv2: ElasticLoadBalancingV2Client;
  writer: PodConditionWriter;
  isLeader: () => boolean;
  intervalMs?: number;
  maxBackoffMs?: number;
  metrics?: ReadinessGateMetrics;
  log?: (line: string) => void;
}

const NOT_FOUND = new Set(['TargetGroupNotFound', 'TargetGroupNotFoundException']);
const isNotFound = (err: unknown) => NOT_FOUND.has((err as { name?: string }).name ?? '');

export class TargetHealthReporter {
  private readonly arns = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private dueAt = 0;
  private lastRound = 0;
  private failures = 0;
  private running?: Promise<void>;
  private stopped = true;
  readonly stats = { rounds: 0, describeTargetHealth: 0, describeTargetGroups: 0, writes: 0, errors: 0 };

  constructor(private readonly o: TargetHealthReporterOptions) {
    o.state.onChange((c) => {
      if (c.kind === 'Pod' || c.kind === 'Ingress' || c.kind === 'Service') this.wake();
    });
  }

  get elbv2(): ElasticLoadBalancingV2Client {
    return this.o.elbv2;
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** A round soon, but never sooner than `intervalMs` after the previous one (the rate bound). */
  wake(): void {
    if (this.stopped) return;
    const at = Math.max(Date.now() + 100, this.lastRound + this.interval());
    if (this.timer && this.dueAt <= at) return;
    this.schedule(at - Date.now());
  }

  private interval(): number {
    const base = this.o.intervalMs ?? 2000;
    return this.failures === 0 ? base : Math.min(base * 2 ** this.failures, this.o.maxBackoffMs ?? 30_000);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.dueAt = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.round().finally(() => {
        this.running = undefined;
      });
    }, ms);
    this.timer.unref();
  }

  /** One pass over the waiting pods; schedules the next one while any still waits. */
  async round(): Promise<void> {
    this.lastRound = Date.now();
    if (!this.o.isLeader()) {
      // Followers read nothing; look again later in case the Lease comes here.
      if (!this.stopped) this.schedule(this.interval());
      return;
    }
    const { waiting, released } = this.collect();
    this.o.metrics?.waitingPods(new Set([...waiting.values()].flat()).size);
    for (const [pod, tg] of released) await this.write(pod, tg, RELEASED);
    if (waiting.size === 0) return;
    this.stats.rounds++;
    let failed = false;
    for (const [tg, pods] of waiting) {
      try {
        const health = await this.healthOf(tg);
        for (const pod of pods) await this.report(pod, tg, this.observe(pod, health));
      } catch (err) {
        failed = true;
        this.stats.errors++;
        this.o.log?.(`readiness gates: ${tg}: ${(err as Error).message}`);
      }
    }
    this.failures = failed ? this.failures + 1 : 0;
    if (!this.stopped) this.schedule(this.interval());
  }

  /**
   * Target group name → the pods waiting on it, and the gates to release: those naming a target group
   * the model no longer has (its Ingress or Service is gone), which would otherwise hold the pod forever.
   */
  private collect(): { waiting: Map<string, V1Pod[]>; released: [V1Pod, string][] } {
    const out = new Map<string, V1Pod[]>();
    const released: [V1Pod, string][] = [];
    for (const pod of this.o.state.snapshot().pods ?? []) {
      const awaited = awaitedTargetGroups(pod);
      if (awaited.length === 0) continue;
      const ns = this.o.gates.in(pod.metadata?.namespace ?? 'default');
      const known = new Set(ns.targetGroups.map((t) => t.targetGroupName));
      for (const tg of awaited) {
        if (!known.has(tg) && ns.complete) {
          released.push([pod, tg]);
          continue;
        }
        const list = out.get(tg);
        if (list) list.push(pod);
        else out.set(tg, [pod]);
      }
    }
    return { waiting: out, released };
  }

  /** The target group's health descriptions, or undefined when it does not exist (yet). */
  private async healthOf(name: string): Promise<TargetHealthDescription[] | undefined> {
    let arn = this.arns.get(name);
    if (!arn) {
      this.stats.describeTargetGroups++;
      try {
        const r = await this.o.elbv2.send(new DescribeTargetGroupsCommand({ Names: [name] }));
        arn = r.TargetGroups?.[0]?.TargetGroupArn;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      if (!arn) return undefined;
      this.arns.set(name, arn);
    }
    this.stats.describeTargetHealth++;
    try {
      const r = await this.o.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
      return r.TargetHealthDescriptions ?? [];
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.arns.delete(name); // replaced under the same name, or deleted: look it up again next round
      return undefined;
    }
  }

  private observe(pod: V1Pod, health: TargetHealthDescription[] | undefined): TargetObservation {
    if (!health) return { kind: 'no-target-group' };
    const ip = pod.status?.podIP;
    const mine = ip ? health.filter((d) => d.Target?.Id === ip) : [];
    return combineObservations(
      mine.map((d) => ({
        kind: 'health' as const,
        state: d.TargetHealth?.State ?? 'unavailable',
        ...(d.TargetHealth?.Reason ? { reason: d.TargetHealth.Reason } : {}),
        ...(d.TargetHealth?.Description ? { description: d.TargetHealth.Description } : {}),
      })),
    );
  }

  private async report(pod: V1Pod, tg: string, o: TargetObservation): Promise<void> {
    await this.write(pod, tg, conditionFor(tg, o));
  }

  private async write(pod: V1Pod, tg: string, want: DesiredCondition): Promise<void> {
    const type = conditionTypeFor(tg);
    if (conditionUpToDate(pod, type, want)) return;
    const before = podCondition(pod, type);
    const ref = {
      namespace: pod.metadata?.namespace ?? 'default',
      name: pod.metadata?.name ?? '',
      uid: pod.metadata?.uid ?? '',
    };
    try {
      await this.o.writer.setCondition(ref, type, want, before);
      this.stats.writes++;
      if (want.status === 'True' && before?.status !== 'True' && want !== RELEASED) {
        const since = podCondition(pod, 'ContainersReady')?.lastTransitionTime;
        if (since) this.o.metrics?.gateOpened((Date.now() - new Date(since).getTime()) / 1000);
      }
      // `kubectl describe pod` lists conditions without their reason; an Event shows it, once per change.
      if (before?.status !== want.status || before?.reason !== want.reason)
        await this.o.writer
          .event(
            ref,
            want.status === 'True' || want.reason === 'Elb.RegistrationInProgress' ? 'Normal' : 'Warning',
            want,
            tg,
          )
          .catch(() => undefined);
    } catch (err) {
      // A pod deleted meanwhile is not an error; anything else is retried next round.
      if ((err as { code?: number }).code === 404) return;
      this.o.log?.(`readiness gates: ${ref.namespace}/${ref.name}: ${(err as Error).message}`);
    }
  }
}
