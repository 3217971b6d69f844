/** The webhook's index kept up to date change by change builds what whole object lists build. */
import { describe, expect, it } from 'vitest';
import { buildStack, validateIngress } from '../../shared/build';
import type { ClusterObjects } from '../../shared/cluster';
import { LiveClusterIndex } from '../../shared/live-cluster-index';
import { CLUSTER, endpointSlice, service, threeMemberGroup } from '../support/group-fixture';

const P = 'alb.ingress.kubernetes.io/';
const opts = { clusterName: CLUSTER };

const live = (objects: ClusterObjects) => LiveClusterIndex.of(objects);

/** The same cluster as whole lists and as a live index must give the same answers. */
function expectSame(objects: ClusterObjects, index: LiveClusterIndex, stackId = 'shop'): void {
  expect(buildStack(stackId, index, opts)).toEqual(buildStack(stackId, objects, opts));
  for (const ing of objects.ingresses)
    expect(validateIngress(ing, index, opts)).toEqual(validateIngress(ing, objects, opts));
}

describe('LiveClusterIndex', () => {
  it('answers as the object lists do: a valid group, a conflict, a missing Service', () => {
    const ok = threeMemberGroup({ shared: { [`${P}target-type`]: 'ip' } });
    expectSame(ok, live(ok));
    const conflict = threeMemberGroup();
    conflict.ingresses[1]!.metadata!.annotations![`${P}scheme`] = 'internet-facing';
    expectSame(conflict, live(conflict));
    const missing = threeMemberGroup();
    missing.services = missing.services.slice(1);
    expectSame(missing, live(missing));
  });

  it('follows updates and deletions of slices, Services and Ingresses', () => {
    const objects = threeMemberGroup({ shared: { [`${P}target-type`]: 'ip' } });
    const index = live(objects);
    const alphaTargets = () => {
      const r = buildStack('shop', index, opts)!.result;
      if (!r.ok || !r.stack) throw new Error('the group should build');
      return r.stack.targetGroups.find((t) => t.resourceId.startsWith('alpha/'))!.targets;
    };
    expect(alphaTargets()).toHaveLength(2);
    // A slice update is seen (the remembered targets are dropped).
    const grown = endpointSlice('alpha', ['10.0.0.10', '10.0.0.11', '10.0.0.12']);
    objects.endpointSlices[0] = grown;
    index.set('EndpointSlice', grown);
    expect(alphaTargets()).toHaveLength(3);
    expectSame(objects, index);
    // A slice relabelled to another Service leaves the first one.
    const moved = {
      ...grown,
      metadata: { ...grown.metadata, labels: { 'kubernetes.io/service-name': 'other' } },
    };
    objects.endpointSlices[0] = moved;
    index.set('EndpointSlice', moved);
    expect(alphaTargets()).toHaveLength(0);
    expectSame(objects, index);
    // A Service annotation change reaches its target group.
    const svc = {
      ...service('alpha', 30080),
      metadata: { ...service('alpha', 30080).metadata, annotations: { [`${P}healthcheck-path`]: '/hz' } },
    };
    objects.services[0] = svc;
    index.set('Service', svc);
    expectSame(objects, index);
    // An Ingress that moves to another group is offered for that group, no longer for this one.
    const moving = structuredClone(objects.ingresses[2]!);
    moving.metadata!.annotations![`${P}group.name`] = 'elsewhere';
    objects.ingresses[2] = moving;
    index.set('Ingress', moving);
    expect([...index.ingressesFor('shop')].map((i) => i.metadata!.name)).toEqual(['web-alpha', 'web-beta']);
    expect([...index.ingressesFor('elsewhere')].map((i) => i.metadata!.name)).toEqual(['web-gamma']);
    expectSame(objects, index);
    expectSame(objects, index, 'elsewhere');
    // Deleted.
    index.delete('Ingress', moving);
    objects.ingresses.pop();
    expect([...index.ingressesFor('elsewhere')]).toEqual([]);
    expectSame(objects, index);
  });

  it('a not-ready endpoint whose pod waits only for its target-health gate is a target, and stops being one', () => {
    const objects = threeMemberGroup({ shared: { [`${P}target-type`]: 'ip' } });
    const slice = objects.endpointSlices[0]!;
    slice.endpoints![1] = {
      addresses: ['10.0.0.11'],
      conditions: { ready: false },
      targetRef: { kind: 'Pod', namespace: 'alpha', name: 'web-1' },
    };
    const pod = {
      metadata: { name: 'web-1', namespace: 'alpha' },
      spec: {
        containers: [],
        readinessGates: [{ conditionType: 'target-health.elbv2.k8s.aws/k8s-alpha-web-x' }],
      },
      status: { conditions: [{ type: 'ContainersReady', status: 'True' }] },
    };
    objects.pods = [pod];
    const index = live(objects);
    const targets = (source: ClusterObjects | LiveClusterIndex) => {
      const r = buildStack('shop', source, opts)!.result;
      if (!r.ok || !r.stack) throw new Error('the group should build');
      return r.stack.targetGroups.find((t) => t.resourceId.startsWith('alpha/'))!.targets.map((t) => t.id);
    };
    expect(targets(index)).toEqual(['10.0.0.10', '10.0.0.11']);
    // Lookups passed on bare keep their index.
    const { pod: lookUp } = index;
    expect(lookUp('alpha', 'web-1')).toBe(pod);
    expect(targets(index)).toEqual(targets(objects));
    // The pod's containers stop being ready: the remembered targets are dropped with the pod change.
    const notReady = { ...pod, status: { conditions: [{ type: 'ContainersReady', status: 'False' }] } };
    objects.pods = [notReady];
    index.set('Pod', notReady);
    expect(targets(index)).toEqual(['10.0.0.10']);
    expect(targets(index)).toEqual(targets(objects));
  });

  it('an IngressClass change re-reads which Ingresses are ours', () => {
    const objects = threeMemberGroup();
    const index = live(objects);
    const cls = objects.ingressClasses[0]!;
    index.delete('IngressClass', cls);
    expect(buildStack('shop', index, opts)).toBeUndefined();
    index.set('IngressClass', cls);
    expectSame(objects, index);
  });
});
