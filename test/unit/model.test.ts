/** The model builder (SPEC §1, §2, §4, §5): exact desired stacks from cluster objects. */
import type { V1Ingress, V1Node } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildStack, buildStacks, validateIngress } from '../../shared/build';
import { instanceIdOfEligibleNode } from '../../shared/builder/cluster-index';
import { pathPatterns } from '../../shared/builder/paths';
import type { ClusterObjects } from '../../shared/cluster';
import { isManagedIngress } from '../../shared/ingress-class';
import { stackDigest } from '../../shared/messages';
import type { DesiredStack } from '../../shared/model';
import { loadBalancerName } from '../../shared/names';
import { formatProblem } from '../../shared/problems';
import { CLUSTER, endpointSlice, node, service, threeMemberGroup } from '../support/group-fixture';

const P = 'alb.ingress.kubernetes.io/';
const opts = { clusterName: CLUSTER };

function stackOf(objects: ClusterObjects, id = 'shop'): DesiredStack {
  const b = buildStack(id, objects, opts);
  if (!b?.result.ok || !b.result.stack) throw new Error(`model failed: ${JSON.stringify(b?.result)}`);
  return b.result.stack;
}
function problemsOf(objects: ClusterObjects, id = 'shop'): string[] {
  const b = buildStack(id, objects, opts);
  if (!b || b.result.ok) throw new Error('expected the model to fail');
  return b.result.problems.map(formatProblem);
}

describe('names (compatible with the AWS Load Balancer Controller)', () => {
  it('reproduces the golden values', () => {
    const g = { kind: 'implicit', namespace: 'ns-1', name: 'ing-1' } as const;
    expect(loadBalancerName('cluster-dummy', g, 'internal')).toBe('k8s-ns1-ing1-b7e914000d');
    expect(loadBalancerName('cluster-dummy', g, 'internet-facing')).toBe('k8s-ns1-ing1-159dd7a143');
  });
  it('keeps every generated name within 32 characters', () => {
    const long = 'x'.repeat(63);
    expect(loadBalancerName(long, { kind: 'explicit', name: long }, 'internal').length).toBeLessThanOrEqual(
      32,
    );
    const s = stackOf(threeMemberGroup());
    for (const n of [s.loadBalancer.name, s.securityGroup!.name, ...s.targetGroups.map((t) => t.name)])
      expect(n.length).toBeLessThanOrEqual(32);
  });
  it('tags every resource with tracking tags that win over user tags', () => {
    const s = stackOf(threeMemberGroup({ shared: { [`${P}tags`]: 'team=web,ingress.k8s.aws/stack=evil' } }));
    expect(s.loadBalancer.tags).toEqual({
      team: 'web',
      'elbv2.k8s.aws/cluster': CLUSTER,
      'ingress.k8s.aws/stack': 'shop',
      'ingress.k8s.aws/resource': 'LoadBalancer',
    });
    expect(s.listeners[0]!.rules[0]!.tags['ingress.k8s.aws/resource']).toBe('80:1');
    expect(s.targetGroups[0]!.tags['ingress.k8s.aws/resource']).toBe('alpha/web-alpha-web:80');
  });
});

describe('the path table', () => {
  const row = (pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific', path: string) =>
    pathPatterns({ path, pathType, backend: {} });
  it.each([
    ['Exact', '/foo', ['/foo']],
    ['Prefix', '/', ['/*']],
    ['Prefix', '/foo', ['/foo', '/foo/*']],
    ['Prefix', '/foo/', ['/foo', '/foo/*']],
    ['ImplementationSpecific', '/foo*', ['/foo*']],
    ['ImplementationSpecific', '/a?c', ['/a?c']],
  ] as const)('%s %s → %j', (type, path, values) => {
    expect(row(type, path)).toEqual({ ok: true, values });
  });
  it.each([
    ['Exact', '/foo*'],
    ['Exact', '/fo?'],
    ['Prefix', '/foo*'],
    ['Prefix', '/fo?'],
  ] as const)('%s %s is an error', (type, path) => {
    expect(row(type, path).ok).toBe(false);
  });
  it('reports a bad path with its field, value and expectation', () => {
    const objects = threeMemberGroup({
      members: [{ ns: 'alpha', host: 'a.example.com', paths: [{ path: '/x*', pathType: 'Exact' }] }],
    });
    expect(problemsOf(objects)).toEqual([
      'alpha/web-alpha: spec.rules[0].http.paths[0].path: /x*: expected no wildcard (* or ?) in an Exact path',
    ]);
  });
});

describe('rule order and priorities', () => {
  it('orders members by group.order then name, paths Exact → Prefix (longest first) → ImplementationSpecific', () => {
    const objects = threeMemberGroup({
      members: [
        {
          ns: 'alpha',
          host: 'a.example.com',
          order: 5,
          paths: [
            { path: '/x', pathType: 'Prefix' },
            { path: '/impl', pathType: 'ImplementationSpecific' },
            { path: '/exact', pathType: 'Exact' },
            { path: '/longer/prefix', pathType: 'Prefix' },
          ],
        },
        { ns: 'beta', host: 'b.example.com', order: -1, paths: [{ path: '/', pathType: 'Prefix' }] },
        { ns: 'gamma', host: 'c.example.com', order: 5, paths: [{ path: '/g', pathType: 'Exact' }] },
      ],
    });
    const rules = stackOf(objects).listeners[0]!.rules;
    expect(rules.map((r) => [r.priority, r.conditions.map((c) => c.values.join('|')).join(' & ')])).toEqual([
      [1, 'b.example.com & /*'],
      [2, 'a.example.com & /exact'],
      [3, 'a.example.com & /longer/prefix|/longer/prefix/*'],
      [4, 'a.example.com & /x|/x/*'],
      [5, 'a.example.com & /impl'],
      [6, 'c.example.com & /g'],
    ]);
  });
  it('puts annotation conditions first, then host, then path; /* only when there is no condition at all', () => {
    const objects = threeMemberGroup({
      members: [{ ns: 'alpha', host: '', paths: [{ path: '', pathType: 'ImplementationSpecific' }] }],
    });
    objects.ingresses[0]!.metadata!.annotations![`${P}conditions.web`] =
      '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-Canary","values":["on"]}}]';
    expect(stackOf(objects).listeners[0]!.rules[0]!.conditions).toEqual([
      { field: 'http-header', httpHeaderName: 'X-Canary', values: ['on'] },
    ]);
  });
});

describe('actions', () => {
  it('use-annotation with a weighted forward; "80" and 80 are the same target group', () => {
    const objects = threeMemberGroup();
    const ing = objects.ingresses[0]!;
    ing.metadata!.annotations![`${P}actions.split`] =
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"web","servicePort":"80","weight":80},{"serviceName":"web2","servicePort":80,"weight":20}]}}';
    ing.spec!.rules![0]!.http!.paths.push({
      path: '/split',
      pathType: 'Prefix',
      backend: { service: { name: 'split', port: { name: 'use-annotation' } } },
    });
    objects.services.push({
      ...service('alpha', 30111),
      metadata: { name: 'web2', namespace: 'alpha', uid: 'u2' },
    });
    const s = stackOf(objects);
    const split = s.listeners[0]!.rules.find((r) => JSON.stringify(r.conditions).includes('/split'))!;
    expect(split.action).toEqual({
      type: 'forward',
      targetGroups: [
        { targetGroup: 'alpha/web-alpha-web:80', weight: 80 },
        { targetGroup: 'alpha/web-alpha-web2:80', weight: 20 },
      ],
    });
    expect(s.targetGroups.filter((t) => t.resourceId.startsWith('alpha/'))).toHaveLength(2);
  });
  it('redirect and fixed-response actions pass through', () => {
    const objects = threeMemberGroup();
    const ing = objects.ingresses[0]!;
    ing.metadata!.annotations![`${P}actions.web`] =
      '{"type":"redirect","redirectConfig":{"protocol":"HTTPS","port":"443","statusCode":"HTTP_302"}}';
    ing.spec!.rules![0]!.http!.paths[0]!.backend = {
      service: { name: 'web', port: { name: 'use-annotation' } },
    };
    expect(
      stackOf(objects).listeners[0]!.rules.find(
        (r) =>
          JSON.stringify(r.conditions).includes('/health') === false &&
          JSON.stringify(r.conditions).includes('alpha'),
      )!.action,
    ).toEqual({ type: 'redirect', protocol: 'HTTPS', port: '443', statusCode: 'HTTP_302' });
  });
  it('a missing Service or action becomes a 503 with a warning on the Ingress', () => {
    const objects = threeMemberGroup();
    objects.ingresses[0]!.spec!.rules![0]!.http!.paths[0]!.backend = {
      service: { name: 'gone', port: { number: 80 } },
    };
    const b = buildStack('shop', objects, opts)!;
    expect(b.result.ok).toBe(true);
    if (!b.result.ok) return;
    expect(b.result.stack!.listeners[0]!.rules[1]!.action).toEqual({
      type: 'fixed-response',
      statusCode: '503',
      contentType: 'text/plain',
      messageBody: 'Backend service does not exist',
    });
    expect(b.result.warnings.map((w) => w.message)).toContain(
      'service alpha/gone does not exist; requests get a 503 "Backend service does not exist"',
    );
  });
  it('a listener without a default backend answers 404; ssl-redirect makes HTTP listeners redirect with no rules', () => {
    const arn = 'arn:aws:acm:us-east-1:123456789012:certificate/x';
    const s = stackOf(
      threeMemberGroup({
        shared: {
          [`${P}listen-ports`]: '[{"HTTP":80},{"HTTPS":443}]',
          [`${P}certificate-arn`]: arn,
          [`${P}ssl-redirect`]: '443',
        },
      }),
    );
    expect(s.listeners[0]).toMatchObject({
      port: 80,
      rules: [],
      defaultAction: { type: 'redirect', protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' },
    });
    expect(s.listeners[1]).toMatchObject({
      port: 443,
      defaultAction: { type: 'fixed-response', statusCode: '404' },
    });
    expect(s.listeners[1]!.rules).toHaveLength(6);
  });
});

describe('group conflicts fail the whole group, naming both Ingresses and both values', () => {
  const conflict = (a: Record<string, string>, b: Record<string, string>) => {
    const objects = threeMemberGroup();
    Object.assign(objects.ingresses[0]!.metadata!.annotations!, a);
    Object.assign(objects.ingresses[1]!.metadata!.annotations!, b);
    return problemsOf(objects).join('\n');
  };
  it.each([
    ['scheme', { [`${P}scheme`]: 'internal' }, { [`${P}scheme`]: 'internet-facing' }],
    ['ip-address-type', { [`${P}ip-address-type`]: 'ipv4' }, { [`${P}ip-address-type`]: 'dualstack' }],
    ['load-balancer-name', { [`${P}load-balancer-name`]: 'a' }, { [`${P}load-balancer-name`]: 'b' }],
    ['subnets', { [`${P}subnets`]: 'subnet-1,subnet-2' }, { [`${P}subnets`]: 'subnet-3,subnet-4' }],
    ['security-groups', { [`${P}security-groups`]: 'sg-1,sg-2' }, { [`${P}security-groups`]: 'sg-2,sg-1' }],
    [
      'ssl-redirect',
      {
        [`${P}ssl-redirect`]: '443',
        [`${P}listen-ports`]: '[{"HTTPS":443},{"HTTPS":8443}]',
        [`${P}certificate-arn`]: 'arn:aws:acm:us-east-1:123456789012:certificate/x',
      },
      {
        [`${P}ssl-redirect`]: '8443',
        [`${P}listen-ports`]: '[{"HTTPS":443},{"HTTPS":8443}]',
        [`${P}certificate-arn`]: 'arn:aws:acm:us-east-1:123456789012:certificate/x',
      },
    ],
    [
      'listen-ports',
      { [`${P}listen-ports`]: '[{"HTTP":8080}]' },
      {
        [`${P}listen-ports`]: '[{"HTTPS":8080}]',
        [`${P}certificate-arn`]: 'arn:aws:acm:us-east-1:123456789012:certificate/x',
      },
    ],
    ['inbound-cidrs', { [`${P}inbound-cidrs`]: '10.0.0.0/8' }, { [`${P}inbound-cidrs`]: '192.168.0.0/16' }],
    [
      'ssl-policy',
      {
        [`${P}ssl-policy`]: 'A',
        [`${P}certificate-arn`]: 'arn:aws:acm:us-east-1:123456789012:certificate/x',
      },
      {
        [`${P}ssl-policy`]: 'B',
        [`${P}certificate-arn`]: 'arn:aws:acm:us-east-1:123456789012:certificate/x',
      },
    ],
    ['tags', { [`${P}tags`]: 'team=a' }, { [`${P}tags`]: 'team=b' }],
    [
      'load-balancer-attributes',
      { [`${P}load-balancer-attributes`]: 'idle_timeout.timeout_seconds=60' },
      { [`${P}load-balancer-attributes`]: 'idle_timeout.timeout_seconds=120' },
    ],
  ])('%s', (key, a, b) => {
    const text = conflict(a, b);
    expect(text).toContain('beta/web-beta');
    expect(text).toContain('alpha/web-alpha');
    expect(text).toContain(`${P}${key}`);
  });
  it('same subnets in another order is not a conflict', () => {
    const objects = threeMemberGroup();
    objects.ingresses[0]!.metadata!.annotations![`${P}subnets`] = 'subnet-1,subnet-2';
    objects.ingresses[1]!.metadata!.annotations![`${P}subnets`] = 'subnet-2,subnet-1';
    expect(buildStack('shop', objects, opts)!.result.ok).toBe(true);
  });
  it('two default backends on one port', () => {
    const objects = threeMemberGroup();
    for (const i of objects.ingresses.slice(0, 2))
      i.spec!.defaultBackend = { service: { name: 'web', port: { number: 80 } } };
    expect(problemsOf(objects).join('\n')).toMatch(
      /beta\/web-beta: spec.defaultBackend: a default backend on port 80: expected a default backend on port 80 to match alpha\/web-alpha/,
    );
  });
  it('admission denies either side of a conflict', () => {
    const objects = threeMemberGroup({ shared: { [`${P}scheme`]: 'internal' } });
    const candidate = structuredClone(objects.ingresses[0]!);
    candidate.metadata!.annotations![`${P}scheme`] = 'internet-facing';
    const v = validateIngress(candidate, objects, opts);
    expect(v.allowed).toBe(false);
    expect(v.problems.map(formatProblem)).toContain(
      `alpha/web-alpha: ${P}scheme: internet-facing: expected internal to match beta/web-beta (IngressGroup shop)`,
    );
  });
});

describe('ALB limits', () => {
  it('more than 100 rules on one listener', () => {
    const paths = Array.from({ length: 101 }, (_, i) => ({ path: `/p${i}`, pathType: 'Exact' as const }));
    expect(
      problemsOf(threeMemberGroup({ members: [{ ns: 'alpha', host: 'a.example.com', paths }] })).join(),
    ).toContain('at most 100 rules per listener (ALB limit)');
  });
  it('more than 5 condition values in one rule', () => {
    const objects = threeMemberGroup();
    objects.ingresses[0]!.metadata!.annotations![`${P}conditions.web`] =
      '[{"field":"source-ip","sourceIpConfig":{"values":["10.0.0.0/8","10.1.0.0/16","10.2.0.0/16","10.3.0.0/16"]}}]';
    expect(problemsOf(objects).join()).toContain('at most 5 condition values per rule (ALB limit)');
  });
  it('more than 100 target groups', () => {
    const objects = threeMemberGroup();
    const ing = objects.ingresses[0]!;
    ing.spec!.rules![0]!.http!.paths = Array.from({ length: 101 }, (_, i) => ({
      path: `/p${i}`,
      pathType: 'Exact' as const,
      backend: { service: { name: `s${i}`, port: { number: 80 } } },
    }));
    ing.spec!.rules!.push(...[]);
    for (let i = 0; i < 101; i++)
      objects.services.push({
        ...service('alpha', 31000 + i),
        metadata: { name: `s${i}`, namespace: 'alpha' },
      });
    expect(problemsOf(objects).join()).toContain('at most 100 target groups per load balancer (ALB limit)');
  });
});

describe('targets', () => {
  const withNodes = (...nodes: V1Node[]) => ({ ...threeMemberGroup(), nodes });
  it('instance: ready nodes with an i- providerID at the nodePort', () => {
    const tg = stackOf(withNodes(node(1), node(2))).targetGroups[0]!;
    expect(tg.targets).toEqual([
      { id: 'i-00000000000000001', port: 30080 },
      { id: 'i-00000000000000002', port: 30080 },
    ]);
  });
  it.each([
    [
      'not Ready',
      (n: V1Node) => {
        n.status!.conditions![0]!.status = 'False';
      },
    ],
    [
      'excluded by label',
      (n: V1Node) => {
        n.metadata!.labels = { 'node.kubernetes.io/exclude-from-external-load-balancers': '' };
      },
    ],
    [
      'a master',
      (n: V1Node) => {
        n.metadata!.labels = { 'node-role.kubernetes.io/master': '' };
      },
    ],
    [
      'Fargate',
      (n: V1Node) => {
        n.metadata!.labels = { 'eks.amazonaws.com/compute-type': 'fargate' };
      },
    ],
    [
      'being scaled down',
      (n: V1Node) => {
        n.spec!.taints = [{ key: 'ToBeDeletedByClusterAutoscaler', effect: 'NoSchedule' }];
      },
    ],
    [
      'without an instance providerID',
      (n: V1Node) => {
        n.spec!.providerID = 'kind://docker/x';
      },
    ],
  ])('skips a node that is %s', (_, change) => {
    const n = node(3);
    change(n);
    expect(instanceIdOfEligibleNode(n)).toBeUndefined();
  });
  it('ip: ready endpoints (ready true or absent) at the slice port named like the Service port', () => {
    const objects = threeMemberGroup({ shared: { [`${P}target-type`]: 'ip' } });
    const slice = endpointSlice('alpha', ['10.9.0.1', '10.9.0.2', '10.9.0.3']);
    slice.endpoints![1]!.conditions = {};
    slice.endpoints![2]!.conditions = { ready: false };
    slice.ports!.push({ name: 'metrics', port: 9090 });
    objects.endpointSlices = [slice];
    expect(stackOf(objects).targetGroups.find((t) => t.resourceId.startsWith('alpha/'))!.targets).toEqual([
      { id: '10.9.0.1', port: 8080 },
      { id: '10.9.0.2', port: 8080 },
    ]);
  });
  it('instance targets need a NodePort or LoadBalancer Service', () => {
    expect(problemsOf(threeMemberGroup({ serviceType: 'ClusterIP' })).join()).toContain(
      'a NodePort or LoadBalancer Service for instance targets',
    );
  });
});

describe('membership', () => {
  it('an Ingress that left the group or is deleting is an inactive member; no active member left → stack null', () => {
    const objects = threeMemberGroup();
    const leaving = objects.ingresses[0]!;
    leaving.metadata!.finalizers = ['group.ingress.k8s.aws/shop'];
    leaving.metadata!.annotations![`${P}group.name`] = 'elsewhere';
    const deleting = objects.ingresses[1]!;
    deleting.metadata!.finalizers = ['group.ingress.k8s.aws/shop'];
    deleting.metadata!.deletionTimestamp = new Date();
    const b = buildStack('shop', objects, opts)!;
    expect(b.members.map((m) => m.name)).toEqual(['web-gamma']);
    expect(b.inactiveMembers.map((m) => m.name)).toEqual(['web-alpha', 'web-beta']);
    objects.ingresses[2]!.metadata!.deletionTimestamp = new Date();
    objects.ingresses[2]!.metadata!.finalizers = ['group.ingress.k8s.aws/shop'];
    const gone = buildStack('shop', objects, opts)!;
    expect(gone.result).toEqual({ ok: true, stack: null, warnings: [] });
    expect(buildStacks(objects, opts).map((s) => s.stackId)).toEqual(['elsewhere', 'shop']);
  });
});

describe('which Ingresses are ours', () => {
  const classes = [
    { metadata: { name: 'alb' }, spec: { controller: 'ingress.k8s.aws/alb' } },
    {
      metadata: { name: 'nginx', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      spec: { controller: 'k8s.io/ingress-nginx' },
    },
  ];
  const ing = (spec: V1Ingress['spec'], annotations?: Record<string, string>): V1Ingress => ({
    metadata: { name: 'x', annotations },
    spec,
  });
  it('by IngressClass controller, by the legacy annotation (which wins), and by the default class', () => {
    expect(isManagedIngress(ing({ ingressClassName: 'alb' }), classes)).toBe(true);
    expect(isManagedIngress(ing({ ingressClassName: 'nginx' }), classes)).toBe(false);
    expect(
      isManagedIngress(ing({ ingressClassName: 'nginx' }, { 'kubernetes.io/ingress.class': 'alb' }), classes),
    ).toBe(true);
    expect(
      isManagedIngress(ing({ ingressClassName: 'alb' }, { 'kubernetes.io/ingress.class': 'nginx' }), classes),
    ).toBe(false);
    expect(isManagedIngress(ing({}), classes)).toBe(false);
    expect(
      isManagedIngress(ing({}), [
        classes[0]!,
        {
          metadata: { name: 'alb2', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
          spec: { controller: 'ingress.k8s.aws/alb' },
        },
      ]),
    ).toBe(true);
    expect(isManagedIngress(ing({ ingressClassName: 'missing' }), classes)).toBe(false);
  });
});

describe('properties', () => {
  it('never throws on arbitrary annotation strings: problems come back instead', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc
            .constantFrom(
              'scheme',
              'listen-ports',
              'actions.web',
              'conditions.web',
              'group.name',
              'target-type',
              'healthcheck-port',
              'tags',
              'success-codes',
              'subnets',
            )
            .map((k) => `${P}${k}`),
          fc.string(),
        ),
        (annotations) => {
          const objects = threeMemberGroup();
          Object.assign(objects.ingresses[0]!.metadata!.annotations!, annotations);
          const builds = buildStacks(objects, opts);
          expect(builds.length).toBeGreaterThan(0);
          validateIngress(objects.ingresses[0]!, objects, opts);
        },
      ),
      { numRuns: 300 },
    );
  });
  it('the digest does not change when objects, keys or annotations are reordered', () => {
    const reversedKeys = (o: unknown): unknown =>
      Array.isArray(o)
        ? o.map(reversedKeys)
        : o && typeof o === 'object'
          ? Object.fromEntries(
              Object.entries(o)
                .reverse()
                .map(([k, v]) => [k, reversedKeys(v)]),
            )
          : o;
    fc.assert(
      fc.property(fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }), (order) => {
        const a = threeMemberGroup();
        const b = reversedKeys(threeMemberGroup()) as ClusterObjects;
        b.ingresses = order.map((i) => b.ingresses[i]!);
        b.services = [...b.services].reverse();
        expect(stackDigest(stackOf(b))).toBe(stackDigest(stackOf(a)));
      }),
      { numRuns: 20 },
    );
  });
});
