/**
 * An Ingress that still holds a group's finalizer but whose IngressClass cannot be read (missing, or
 * several defaults) has not left the group: its group fails to build and so nothing is sent, instead of
 * a snapshot without it (its rules, or the whole ALB when it is the only member, deleted). This is the
 * LBC's behaviour too (its issue 2731: an IngressClass deleted and recreated by an upgrade).
 * A class that exists but belongs to another controller does take the Ingress out of the group.
 */
import type { V1Ingress, V1IngressClass } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { buildStacks } from '../../shared/build';
import { type ClusterObjects, emptyClusterObjects } from '../../shared/cluster';
import { formatProblem } from '../../shared/problems';

const cls = (name: string, controller: string, isDefault = false): V1IngressClass => ({
  metadata: {
    name,
    ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}),
  },
  spec: { controller },
});

function member(className: string | undefined): V1Ingress {
  return {
    metadata: {
      namespace: 'shop',
      name: 'web',
      annotations: { 'alb.ingress.kubernetes.io/group.name': 'g' },
      finalizers: ['group.ingress.k8s.aws/g'],
    },
    spec: {
      ...(className ? { ingressClassName: className } : {}),
      rules: [
        {
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  };
}

function stackG(ingress: V1Ingress, ingressClasses: V1IngressClass[]) {
  const objects: ClusterObjects = {
    ...emptyClusterObjects(),
    ingresses: [ingress],
    ingressClasses,
    services: [
      {
        metadata: { namespace: 'shop', name: 'web' },
        spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] },
      },
    ],
  };
  return buildStacks(objects, { clusterName: 'c' }).find((b) => b.stackId === 'g');
}

describe('a member whose IngressClass cannot be read keeps its group', () => {
  it('builds normally while the class is there', () => {
    const b = stackG(member('alb'), [cls('alb', 'ingress.k8s.aws/alb')]);
    expect(b?.members.map((m) => m.name)).toEqual(['web']);
    expect(b?.result.ok && b.result.stack).toBeTruthy();
  });

  it('fails the group (nothing sent) when its IngressClass is missing, naming the class', () => {
    const b = stackG(member('alb'), []);
    expect(b?.members.map((m) => m.name)).toEqual(['web']);
    expect(b?.inactiveMembers).toEqual([]);
    expect(b?.result.ok).toBe(false);
    if (b?.result.ok === false)
      expect(b.result.problems.map(formatProblem)).toContain(
        'shop/web: spec.ingressClassName: alb: expected an existing IngressClass alb',
      );
  });

  it('fails the group when it has no class and several classes claim the default', () => {
    const b = stackG(member(undefined), [
      cls('a', 'ingress.k8s.aws/alb', true),
      cls('b', 'ingress.k8s.aws/alb', true),
    ]);
    expect(b?.result.ok).toBe(false);
    expect(b?.inactiveMembers).toEqual([]);
  });

  it('leaves the group when its class belongs to another controller', () => {
    const b = stackG(member('nginx'), [cls('nginx', 'k8s.io/ingress-nginx')]);
    expect(b?.members).toEqual([]);
    expect(b?.inactiveMembers.map((m) => m.name)).toEqual(['web']);
    expect(b?.result).toMatchObject({ ok: true, stack: null });
  });
});
