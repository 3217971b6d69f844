/** Which stacks each kind of change marks dirty (pure). */
import { describe, expect, it } from 'vitest';
import { affectedStacks } from '../../webhook/dirty';
import { node, threeMemberGroup } from '../support/group-fixture';

const objects = threeMemberGroup();
objects.ingresses.push({
  metadata: {
    name: 'solo',
    namespace: 'alpha',
    annotations: { 'alb.ingress.kubernetes.io/target-type': 'ip' },
  },
  spec: {
    ingressClassName: 'alb',
    rules: [
      {
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } },
          ],
        },
      },
    ],
  },
});

describe('affectedStacks', () => {
  it('an Ingress change dirties its old and new groups and the groups of its finalizers', () => {
    const moved = structuredClone(objects.ingresses[0]!);
    moved.metadata!.annotations!['alb.ingress.kubernetes.io/group.name'] = 'other';
    moved.metadata!.finalizers = ['group.ingress.k8s.aws/legacy'];
    const s = affectedStacks(
      { kind: 'Ingress', type: 'update', object: moved, old: objects.ingresses[0]! },
      objects,
    );
    expect([...s].sort()).toEqual(['legacy', 'other', 'shop']);
  });

  it('a Service change dirties only stacks whose members use it in that namespace', () => {
    expect([
      ...affectedStacks(
        { kind: 'Service', type: 'update', object: { metadata: { name: 'api', namespace: 'alpha' } } },
        objects,
      ),
    ]).toEqual(['alpha/solo']);
    expect([
      ...affectedStacks(
        { kind: 'Service', type: 'update', object: { metadata: { name: 'web', namespace: 'beta' } } },
        objects,
      ),
    ]).toEqual(['shop']);
    expect(
      affectedStacks(
        { kind: 'Service', type: 'update', object: { metadata: { name: 'web', namespace: 'nowhere' } } },
        objects,
      ).size,
    ).toBe(0);
  });

  it('an EndpointSlice change dirties the stacks of its Service', () => {
    const slice = {
      metadata: { name: 'api-1', namespace: 'alpha', labels: { 'kubernetes.io/service-name': 'api' } },
    };
    expect([...affectedStacks({ kind: 'EndpointSlice', type: 'add', object: slice }, objects)]).toEqual([
      'alpha/solo',
    ]);
  });

  it('a Node change dirties instance-mode stacks, and only when eligibility changed', () => {
    const n = node(1);
    expect(affectedStacks({ kind: 'Node', type: 'update', object: n, old: node(1) }, objects).size).toBe(0);
    const notReady = structuredClone(n);
    notReady.status!.conditions![0]!.status = 'False';
    expect([...affectedStacks({ kind: 'Node', type: 'update', object: notReady, old: n }, objects)]).toEqual([
      'shop',
    ]);
  });

  it('an IngressClass change dirties every stack', () => {
    const s = affectedStacks(
      { kind: 'IngressClass', type: 'update', object: { metadata: { name: 'alb' } } },
      objects,
    );
    expect([...s].sort()).toEqual(['alpha/solo', 'shop']);
  });
});

describe('affectedStacks: IngressClassParams and Namespaces', () => {
  const withClass = () => {
    const o = threeMemberGroup();
    o.ingressClasses.push({
      metadata: { name: 'public' },
      spec: {
        controller: 'ingress.k8s.aws/alb',
        parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'public' },
      },
    });
    o.ingressClassParams.push({
      apiVersion: 'elbv2.k8s.aws/v1beta1',
      kind: 'IngressClassParams',
      metadata: { name: 'public' },
      spec: { group: { name: 'edge' } },
    });
    o.ingresses[0]!.spec!.ingressClassName = 'public';
    return o;
  };

  it('an IngressClassParams change dirties every stack, a class group included', () => {
    const o = withClass();
    const s = affectedStacks(
      { kind: 'IngressClassParams', type: 'update', object: o.ingressClassParams[0]! },
      o,
    );
    expect([...s].sort()).toEqual(['edge', 'shop']);
  });

  it('an Ingress of a class with a group dirties that group, not its annotation group', () => {
    const o = withClass();
    const s = affectedStacks({ kind: 'Ingress', type: 'add', object: o.ingresses[0]! }, o);
    expect([...s]).toEqual(['edge']);
  });

  it('a Namespace label change dirties the stacks of its Ingresses; other updates nothing', () => {
    const o = withClass();
    const before = { metadata: { name: 'beta', labels: { tier: 'a' } } };
    const after = { metadata: { name: 'beta', labels: { tier: 'b' } } };
    expect([...affectedStacks({ kind: 'Namespace', type: 'update', object: after, old: before }, o)]).toEqual(
      ['shop'],
    );
    const touched = { metadata: { name: 'beta', labels: { tier: 'a' }, resourceVersion: '9' } };
    expect(affectedStacks({ kind: 'Namespace', type: 'update', object: touched, old: before }, o).size).toBe(
      0,
    );
  });
});
