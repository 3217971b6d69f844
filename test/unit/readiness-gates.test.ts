/** Pod readiness gates, the pure parts: injection, which not-ready pods are targets, health → condition. */
import type { V1EndpointSlice, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { buildStack, buildStacks } from '../../shared/build';
import type { ClusterObjects } from '../../shared/cluster';
import { LiveClusterIndex } from '../../shared/live-cluster-index';
import {
  awaitedTargetGroups,
  conditionFor,
  gatedTargetGroups,
  gatesFor,
  isTargetWhileGated,
  readinessGatePatch,
} from '../../shared/readiness-gates';
import type { AdmissionReviewRequest } from '../../webhook/admission';
import { affectedStacks } from '../../webhook/dirty';
import { mutatePod } from '../../webhook/pod-readiness/admission';
import { GateIndex } from '../../webhook/pod-readiness/gate-index';
import { CLUSTER, threeMemberGroup } from '../support/group-fixture';
import { MemoryClusterState } from '../support/memory-state';

const P = 'alb.ingress.kubernetes.io/';
const opts = { clusterName: CLUSTER };

/** alpha's member in ip mode, its Service selecting `app: web`; beta and gamma stay instance mode. */
function world(): ClusterObjects {
  const o = threeMemberGroup();
  o.ingresses[0]!.metadata!.annotations![`${P}target-type`] = 'ip';
  for (const s of o.services) s.spec!.selector = { app: 'web' };
  return o;
}

const ipTargetGroupName = (o: ClusterObjects) => {
  const b = buildStacks(o, opts)[0]!;
  if (!b.result.ok || !b.result.stack) throw new Error('model failed');
  const tg = b.result.stack.targetGroups.find((t) => t.targetType === 'ip');
  if (!tg) throw new Error('no ip target group');
  return tg;
};

function pod(over: {
  name?: string;
  labels?: Record<string, string>;
  gates?: string[];
  conditions?: [string, 'True' | 'False'][];
  deleting?: boolean;
}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: over.name ?? 'web-1',
      namespace: 'alpha',
      uid: `uid-${over.name ?? 'web-1'}`,
      labels: over.labels ?? { app: 'web' },
      ...(over.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    spec: {
      containers: [{ name: 'web' }],
      ...(over.gates ? { readinessGates: over.gates.map((conditionType) => ({ conditionType })) } : {}),
    },
    status: { conditions: (over.conditions ?? []).map(([type, status]) => ({ type, status })) },
  };
}

function podReview(
  p: V1Pod,
  namespace = 'alpha',
  operation: 'CREATE' | 'UPDATE' = 'CREATE',
): AdmissionReviewRequest {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'u-1', operation, namespace, object: p as unknown as Record<string, unknown> },
  };
}
const decoded = (patch: string | undefined) =>
  patch === undefined ? undefined : JSON.parse(Buffer.from(patch, 'base64').toString('utf8'));

describe('injection', () => {
  it('gates a pod on the model’s ip target group whose Service selects it, with LBC’s condition type', () => {
    const o = world();
    const tg = ipTargetGroupName(o);
    const tgs = gatedTargetGroups(buildStacks(o, opts), o.services);
    // Only alpha's member is ip mode: instance-mode target groups never gate pods.
    expect(tgs).toEqual([
      { targetGroupName: tg.name, serviceNamespace: 'alpha', serviceName: 'web', selector: { app: 'web' } },
    ]);
    expect(gatesFor('alpha', { app: 'web', tier: 'x' }, tgs)).toEqual([
      `target-health.elbv2.k8s.aws/${tg.name}`,
    ]);
    expect(gatesFor('alpha', { app: 'other' }, tgs)).toEqual([]);
    expect(gatesFor('beta', { app: 'web' }, tgs)).toEqual([]);
  });

  it('a Service without a selector selects no pod', () => {
    const o = world();
    delete o.services[0]!.spec!.selector;
    expect(gatesFor('alpha', { app: 'web' }, gatedTargetGroups(buildStacks(o, opts), o.services))).toEqual(
      [],
    );
  });

  it('patches idempotently: creates the list, appends to one, and adds nothing twice', () => {
    const t = 'target-health.elbv2.k8s.aws/k8s-alpha-web-0123456789';
    expect(readinessGatePatch(pod({}), [t])).toEqual([
      { op: 'add', path: '/spec/readinessGates', value: [{ conditionType: t }] },
    ]);
    expect(readinessGatePatch(pod({ gates: ['example.com/other'] }), [t])).toEqual([
      { op: 'add', path: '/spec/readinessGates/-', value: { conditionType: t } },
    ]);
    expect(readinessGatePatch(pod({ gates: [t] }), [t])).toEqual([]);
  });

  it('the admission handler patches selected pods only, on CREATE only, and never denies', () => {
    const o = world();
    const tg = ipTargetGroupName(o);
    const state = new MemoryClusterState(o);
    const ctx = { gates: new GateIndex(state, opts) };
    const v = mutatePod(podReview(pod({})), ctx);
    expect(v.review.response.allowed).toBe(true);
    expect(decoded(v.review.response.patch)).toEqual([
      {
        op: 'add',
        path: '/spec/readinessGates',
        value: [{ conditionType: `target-health.elbv2.k8s.aws/${tg.name}` }],
      },
    ]);
    expect(mutatePod(podReview(pod({ labels: { app: 'db' } })), ctx).review.response).toEqual({
      uid: 'u-1',
      allowed: true,
    });
    expect(mutatePod(podReview(pod({}), 'alpha', 'UPDATE'), ctx).review.response.patch).toBeUndefined();
    // Outside the namespaces known to be labelled: nothing, even if the configuration let it through.
    const scoped = { ...ctx, labelledNamespaces: () => new Set(['beta']) };
    expect(mutatePod(podReview(pod({})), scoped).review.response.patch).toBeUndefined();
    // A failure inside is an allowed pod with a warning, never a denial.
    const broken = {
      gates: {
        in: () => {
          throw new Error('boom');
        },
      } as unknown as GateIndex,
    };
    const r = mutatePod(podReview(pod({})), broken).review.response;
    expect(r.allowed).toBe(true);
    expect(r.patch).toBeUndefined();
    expect(r.warnings?.[0]).toContain('boom');
  });

  it('the gate index follows Service changes (a new selector gates other pods)', () => {
    const o = world();
    const state = new MemoryClusterState(o);
    const ctx = { gates: new GateIndex(state, opts) };
    expect(mutatePod(podReview(pod({ labels: { app: 'v2' } })), ctx).review.response.patch).toBeUndefined();
    const svc = structuredClone(o.services[0]!);
    svc.spec!.selector = { app: 'v2' };
    state.store.upsert('Service', svc);
    expect(mutatePod(podReview(pod({ labels: { app: 'v2' } })), ctx).review.response.patch).toBeDefined();
  });
  it('the gate index follows IngressClassParams too (a class that switches its Ingresses to ip mode)', () => {
    const o = threeMemberGroup(); // instance mode everywhere: no gates
    for (const svc of o.services) svc.spec!.selector = { app: 'web' };
    o.ingressClasses[0]!.spec!.parameters = {
      apiGroup: 'elbv2.k8s.aws',
      kind: 'IngressClassParams',
      name: 'ip-mode',
    };
    const state = new MemoryClusterState(o);
    const ctx = { gates: new GateIndex(state, opts) };
    state.store.upsert('IngressClassParams', {
      apiVersion: 'elbv2.k8s.aws/v1beta1',
      kind: 'IngressClassParams',
      metadata: { name: 'ip-mode' },
      spec: {},
    } as never);
    expect(mutatePod(podReview(pod({})), ctx).review.response.patch).toBeUndefined();
    state.store.upsert('IngressClassParams', {
      apiVersion: 'elbv2.k8s.aws/v1beta1',
      kind: 'IngressClassParams',
      metadata: { name: 'ip-mode' },
      spec: { targetType: 'ip' },
    } as never);
    expect(decoded(mutatePod(podReview(pod({})), ctx).review.response.patch)?.[0]?.value).toHaveLength(1);
  });
});

describe('gated pods as targets', () => {
  const ours = 'target-health.elbv2.k8s.aws/k8s-alpha-web-0123456789';

  it('a pod is a target while not Ready only when its containers are ready and other gates are True', () => {
    expect(isTargetWhileGated(pod({ gates: [ours], conditions: [['ContainersReady', 'True']] }))).toBe(true);
    expect(isTargetWhileGated(pod({ gates: [ours], conditions: [['ContainersReady', 'False']] }))).toBe(
      false,
    );
    expect(isTargetWhileGated(pod({ gates: [ours] }))).toBe(false);
    expect(isTargetWhileGated(pod({ conditions: [['ContainersReady', 'True']] }))).toBe(false);
    expect(
      isTargetWhileGated(pod({ gates: [ours], conditions: [['ContainersReady', 'True']], deleting: true })),
    ).toBe(false);
    const foreign = 'example.com/warm';
    expect(
      isTargetWhileGated(pod({ gates: [ours, foreign], conditions: [['ContainersReady', 'True']] })),
    ).toBe(false);
    expect(
      isTargetWhileGated(
        pod({
          gates: [ours, foreign],
          conditions: [
            ['ContainersReady', 'True'],
            [foreign, 'True'],
          ],
        }),
      ),
    ).toBe(true);
  });

  it('awaits only the gates that are not True yet', () => {
    const other = 'target-health.elbv2.k8s.aws/k8s-alpha-api-9876543210';
    const p = pod({
      gates: [ours, other],
      conditions: [
        ['ContainersReady', 'True'],
        [ours, 'True'],
      ],
    });
    expect(awaitedTargetGroups(p)).toEqual(['k8s-alpha-api-9876543210']);
  });

  it('the snapshot carries a not-ready endpoint whose pod waits only for our gate, and no other', () => {
    const o = world();
    const tg = ipTargetGroupName(o);
    const gate = `target-health.elbv2.k8s.aws/${tg.name}`;
    const slice = o.endpointSlices[0] as V1EndpointSlice;
    const ep = (ip: string, name: string, extra: Record<string, boolean> = {}) => ({
      addresses: [ip],
      conditions: { ready: false, ...extra },
      targetRef: { kind: 'Pod', namespace: 'alpha', name, uid: `uid-${name}` },
    });
    slice.endpoints = [
      { addresses: ['10.0.0.10'], conditions: { ready: true } },
      ep('10.0.0.20', 'gated'),
      ep('10.0.0.21', 'starting'),
      ep('10.0.0.22', 'leaving', { terminating: true }),
      ep('10.0.0.23', 'unknown'),
      ep('10.0.0.24', 'recreated'),
    ];
    const ready: [string, 'True'][] = [['ContainersReady', 'True']];
    o.pods = [
      pod({ name: 'gated', gates: [gate], conditions: ready }),
      pod({ name: 'starting', gates: [gate], conditions: [['ContainersReady', 'False']] }),
      pod({ name: 'leaving', gates: [gate], conditions: ready }),
      {
        ...pod({ name: 'recreated', gates: [gate], conditions: ready }),
        metadata: { name: 'recreated', namespace: 'alpha', uid: 'uid-new' },
      },
    ];
    expect(ipTargetGroupName(o).targets).toEqual([
      { id: '10.0.0.10', port: 8080 },
      { id: '10.0.0.20', port: 8080 },
    ]);

    // The webhook's live index answers the same, and follows a pod's own status change.
    const index = LiveClusterIndex.of(o);
    const liveTargets = () => {
      const r = buildStack('shop', index, opts)!.result;
      if (!r.ok || !r.stack) throw new Error('model failed');
      return r.stack.targetGroups.find((t) => t.targetType === 'ip')!.targets.map((t) => t.id);
    };
    expect(liveTargets()).toEqual(['10.0.0.10', '10.0.0.20']);
    index.set('Pod', pod({ name: 'starting', gates: [gate], conditions: ready }));
    expect(liveTargets()).toEqual(['10.0.0.10', '10.0.0.20', '10.0.0.21']);
    index.delete('Pod', pod({ name: 'gated' }));
    expect(liveTargets()).toEqual(['10.0.0.10', '10.0.0.21']);
  });

  it('a gated pod becoming a target dirties the stacks of the Services whose slices name it', () => {
    const o = world();
    const tg = ipTargetGroupName(o);
    const gate = `target-health.elbv2.k8s.aws/${tg.name}`;
    o.endpointSlices[0]!.endpoints = [
      { addresses: ['10.0.0.20'], conditions: { ready: false }, targetRef: { kind: 'Pod', name: 'gated' } },
    ];
    const before = pod({ name: 'gated', gates: [gate], conditions: [['ContainersReady', 'False']] });
    const after = pod({ name: 'gated', gates: [gate], conditions: [['ContainersReady', 'True']] });
    expect([...affectedStacks({ kind: 'Pod', type: 'update', object: after, old: before }, o)]).toEqual([
      'shop',
    ]);
    // A change that does not alter whether it is a target, nor its address, dirties nothing.
    const relabelled = { ...after, metadata: { ...after.metadata, labels: { app: 'web', x: 'y' } } };
    expect(affectedStacks({ kind: 'Pod', type: 'update', object: relabelled, old: after }, o).size).toBe(0);
    expect([...affectedStacks({ kind: 'Pod', type: 'delete', object: after, old: after }, o)]).toEqual([
      'shop',
    ]);
  });
});

describe('target health → pod condition', () => {
  const tg = 'k8s-alpha-web-0123456789';
  it('healthy is True; initial, unhealthy and unregistered are False with the reason AWS gives', () => {
    expect(conditionFor(tg, { kind: 'health', state: 'healthy' }).status).toBe('True');
    expect(
      conditionFor(tg, {
        kind: 'health',
        state: 'unhealthy',
        reason: 'Target.ResponseCodeMismatch',
        description: 'Health checks failed with these codes: [503]',
      }),
    ).toEqual({
      status: 'False',
      reason: 'Target.ResponseCodeMismatch',
      message: `Health checks failed with these codes: [503] (${tg})`,
    });
    expect(
      conditionFor(tg, { kind: 'health', state: 'initial', reason: 'Elb.RegistrationInProgress' }),
    ).toMatchObject({ status: 'False', reason: 'Elb.RegistrationInProgress' });
    expect(conditionFor(tg, { kind: 'not-registered' })).toMatchObject({
      status: 'False',
      reason: 'Elb.RegistrationInProgress',
    });
    expect(conditionFor(tg, { kind: 'no-target-group' }).message).toContain('not created yet');
    expect(conditionFor(tg, { kind: 'health', state: 'unavailable' }).reason).toBe('Target.Unavailable');
  });
});
