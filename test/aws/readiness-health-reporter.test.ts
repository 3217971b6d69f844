/**
 * The target-health reporter against moto: what each state of a pod's target becomes on the pod, that
 * nothing is read while no pod waits, the rate bound, the backoff while AWS fails, and gates released when
 * their target group leaves the model. Pods live in an in-memory cluster state; the condition writer
 * records and echoes each write back into it, as the pod informer would.
 */
import {
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { seedLocalWorld } from '../../cli/dev/seed';
import { buildStacks } from '../../shared/build';
import type { ClusterObjects } from '../../shared/cluster';
import { conditionTypeFor, type DesiredCondition } from '../../shared/readiness-gates';
import { GateIndex } from '../../webhook/pod-readiness/gate-index';
import { TargetHealthReporter } from '../../webhook/pod-readiness/health-reporter';
import type { PodConditionWriter, PodRef } from '../../webhook/pod-readiness/pod-status';
import { faultSwitch } from '../e2e/faults';
import { CLUSTER, threeMemberGroup } from '../support/group-fixture';
import { MemoryClusterState } from '../support/memory-state';
import { awsClientConfig } from '../support/moto';

const endpoint = inject('motoEndpoint');
const P = 'alb.ingress.kubernetes.io/';
let vpcId: string;

function world(): ClusterObjects {
  const o = threeMemberGroup();
  o.ingresses[0]!.metadata!.annotations![`${P}target-type`] = 'ip';
  for (const s of o.services) s.spec!.selector = { app: 'web' };
  return o;
}

function targetGroupName(o: ClusterObjects): string {
  const b = buildStacks(o, { clusterName: CLUSTER })[0]!;
  if (!b.result.ok || !b.result.stack) throw new Error('model failed');
  return b.result.stack.targetGroups.find((t) => t.targetType === 'ip')!.name;
}

function gatedPod(name: string, ip: string, tg: string, containersReady = true): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'alpha', uid: `uid-${name}`, labels: { app: 'web' } },
    spec: { containers: [], readinessGates: [{ conditionType: conditionTypeFor(tg) }] },
    status: {
      podIP: ip,
      conditions: [
        {
          type: 'ContainersReady',
          status: containersReady ? 'True' : 'False',
          lastTransitionTime: new Date(Date.now() - 5000),
        },
      ],
    },
  };
}

/** Records writes and applies them to the in-memory pods, as the pod informer would report them back. */
class EchoWriter implements PodConditionWriter {
  readonly writes: { pod: string; type: string; want: DesiredCondition }[] = [];
  readonly events: { pod: string; type: string; message: string }[] = [];
  constructor(private readonly state: MemoryClusterState) {}
  async setCondition(ref: PodRef, type: string, want: DesiredCondition) {
    this.writes.push({ pod: ref.name, type, want });
    const pod = structuredClone(this.state.snapshot().pods!.find((p) => p.metadata?.name === ref.name)!);
    const rest = (pod.status?.conditions ?? []).filter((c) => c.type !== type);
    const c: V1PodCondition = { type, status: want.status, reason: want.reason, message: want.message };
    pod.status = { ...pod.status, conditions: [...rest, c] };
    this.state.store.upsert('Pod', pod);
  }
  async event(ref: PodRef, type: 'Normal' | 'Warning', c: DesiredCondition) {
    this.events.push({ pod: ref.name, type, message: `${c.reason}: ${c.message}` });
  }
  last(pod: string) {
    return [...this.writes].reverse().find((w) => w.pod === pod)?.want;
  }
}

function counted(client: ElasticLoadBalancingV2Client) {
  const calls: { command: string; at: number }[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push({ command: (context as { commandName?: string }).commandName ?? '', at: Date.now() });
      return next(args);
    },
    // Outermost (added first, high priority): calls a fault answers are counted too.
    { step: 'initialize', name: 'countCalls', priority: 'high' },
  );
  return calls;
}

const until = async (what: string, ok: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

async function createTargetGroup(name: string): Promise<string> {
  const elbv2 = new ElasticLoadBalancingV2Client(awsClientConfig(endpoint));
  const r = await elbv2.send(
    new CreateTargetGroupCommand({
      Name: name,
      Protocol: 'HTTP',
      Port: 8080,
      VpcId: vpcId,
      TargetType: 'ip',
    }),
  );
  return r.TargetGroups![0]!.TargetGroupArn!;
}

describe('target-health reporter', () => {
  let o: ClusterObjects;
  let tg: string;
  let state: MemoryClusterState;
  let writer: EchoWriter;
  let elbv2: ElasticLoadBalancingV2Client;
  let calls: { command: string; at: number }[];

  beforeAll(() => {
    process.env.AWS_ACCESS_KEY_ID = 'testing';
    process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  });

  beforeEach(async () => {
    await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    ({ vpcId } = await seedLocalWorld({ endpoint, region: 'us-east-1' }, CLUSTER));
    o = world();
    tg = targetGroupName(o);
    state = new MemoryClusterState(o);
    writer = new EchoWriter(state);
    elbv2 = new ElasticLoadBalancingV2Client({ ...awsClientConfig(endpoint), maxAttempts: 1 });
    calls = counted(elbv2);
    observed = { waiting: [], opened: [] };
  });

  let observed: { waiting: number[]; opened: number[] };
  const reporter = (intervalMs = 50, maxBackoffMs = 30_000) =>
    new TargetHealthReporter({
      metrics: {
        waitingPods: (n) => observed.waiting.push(n),
        gateOpened: (s) => observed.opened.push(s),
      },
      state,
      gates: new GateIndex(state, { clusterName: CLUSTER }),
      elbv2,
      writer,
      isLeader: () => true,
      intervalMs,
      maxBackoffMs,
    });

  it('reads nothing while no pod waits (containers not ready, or no pod at all)', async () => {
    state.store.upsert('Pod', gatedPod('web-1', '10.0.0.20', tg, false));
    const r = reporter();
    r.start();
    await new Promise((res) => setTimeout(res, 400));
    await r.stop();
    expect(calls).toEqual([]);
    expect(writer.writes).toEqual([]);
  });

  it('walks a pod from "target group not created" through "registering" to True, with an Event per change', async () => {
    state.store.upsert('Pod', gatedPod('web-1', '10.0.0.20', tg));
    const r = reporter();
    r.start();
    try {
      await until(
        'not created yet',
        () => writer.last('web-1')?.message.includes('not created yet') ?? false,
      );
      expect(writer.last('web-1')).toMatchObject({ status: 'False', reason: 'Elb.RegistrationInProgress' });
      const arn = await createTargetGroup(tg);
      await until(
        'registration in progress',
        () => writer.last('web-1')?.message.startsWith('Target registration is in progress') ?? false,
      );
      await elbv2.send(
        new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '10.0.0.20', Port: 8080 }] }),
      );
      await until('True', () => writer.last('web-1')?.status === 'True');
    } finally {
      await r.stop();
    }
    expect(writer.last('web-1')).toEqual({
      status: 'True',
      reason: 'Target.Healthy',
      message: `Target is healthy in ${tg}`,
    });
    // No write without a change: three distinct conditions, three writes.
    expect(writer.writes.map((w) => w.want.message.split(' ')[0])).toEqual(['Target', 'Target', 'Target']);
    expect(writer.writes).toHaveLength(3);
    // One pod waited; its gate opened about 5 s after its containers were ready (the fixture's clock).
    expect(Math.max(...observed.waiting)).toBe(1);
    expect(observed.opened).toHaveLength(1);
    expect(observed.opened[0]).toBeGreaterThanOrEqual(5);
    expect(observed.opened[0]).toBeLessThan(30);
    // An Event per change of status or reason (not of message): registering, then healthy.
    expect(writer.events.map((e) => e.type)).toEqual(['Normal', 'Normal']);
    // Once its ARN is known the target group is not looked up again: only its health is read.
    const firstHealthRead = calls.findIndex((c) => c.command === 'DescribeTargetHealthCommand');
    expect(firstHealthRead).toBeGreaterThan(0);
    expect(calls.slice(firstHealthRead).map((c) => c.command)).not.toContain('DescribeTargetGroupsCommand');
  });

  it('never reads more often than the interval, however often it is woken', async () => {
    await createTargetGroup(tg);
    state.store.upsert('Pod', gatedPod('web-1', '10.0.0.20', tg)); // never registered: waits throughout
    const r = reporter(200);
    const started = Date.now();
    r.start();
    const poke = setInterval(() => r.wake(), 5);
    await new Promise((res) => setTimeout(res, 1500));
    clearInterval(poke);
    await r.stop();
    const reads = calls.filter((c) => c.command === 'DescribeTargetHealthCommand');
    expect(reads.length).toBeGreaterThanOrEqual(3);
    expect(reads.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 200) + 1);
    // Rounds start at least 200 ms apart; each read trails its round's start by a varying call latency.
    for (let i = 2; i < reads.length; i++)
      expect(reads[i]!.at - reads[i - 1]!.at).toBeGreaterThanOrEqual(150);
  });

  it('backs off while AWS fails and recovers at the normal pace', async () => {
    await createTargetGroup(tg);
    state.store.upsert('Pod', gatedPod('web-1', '10.0.0.20', tg));
    const faults = faultSwitch();
    faults.attach(elbv2 as never);
    faults.fail('DescribeTargetHealth', {
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      httpStatusCode: 400,
    });
    const r = reporter(50, 400);
    r.start();
    await new Promise((res) => setTimeout(res, 1500));
    const failed = calls.filter((c) => c.command === 'DescribeTargetHealthCommand').map((c) => c.at);
    const gaps = failed.slice(1).map((t, i) => t - failed[i]!);
    // 100, 200, 400, 400… instead of 50 each: far fewer calls than the plain pace would make.
    expect(failed.length).toBeLessThanOrEqual(7);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(350);
    expect(r.stats.errors).toBe(failed.length);
    faults.clear();
    await until('a write after recovery', () => writer.writes.length > 0, 3000);
    await r.stop();
    expect(writer.last('web-1')?.reason).toBe('Elb.RegistrationInProgress');
  });

  it('releases a gate whose target group the model no longer has, without reading AWS', async () => {
    state.store.upsert('Pod', gatedPod('web-1', '10.0.0.20', 'k8s-alpha-gone-0000000000'));
    const r = reporter();
    r.start();
    await until('released', () => writer.last('web-1')?.status === 'True');
    await r.stop();
    expect(writer.last('web-1')?.reason).toBe('TargetGroupRemoved');
    expect(calls).toEqual([]);
  });
});
