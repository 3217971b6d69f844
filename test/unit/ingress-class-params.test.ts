/**
 * IngressClassParams as the LBC applies them: the class's values win over annotations (the annotation
 * is reported as overridden), maps merge with the class winning, targetType and tags win over the
 * Service too; a missing/unknown reference, a namespaceSelector mismatch, a bad value or a conflict
 * inside a group denies with one line naming the Ingress, the params and the value.
 */
import type { V1IngressClass, V1Namespace } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { buildStack, validateIngress } from '../../shared/build';
import type { ClusterObjects } from '../../shared/cluster';
import type { IngressClassParamsObject } from '../../shared/ingress-class-params';
import { selectorMatches } from '../../shared/label-selector';
import type { DesiredStack } from '../../shared/model';
import { formatProblem, formatWarning } from '../../shared/problems';
import { mutate } from '../../webhook/admission';
import { CLUSTER, threeMemberGroup } from '../support/group-fixture';

const P = 'alb.ingress.kubernetes.io/';
const opts = { clusterName: CLUSTER };

function params(name: string, spec: Record<string, unknown>): IngressClassParamsObject {
  return { apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'IngressClassParams', metadata: { name }, spec };
}
function paramsClass(name: string, paramsName: string, kind = 'IngressClassParams'): V1IngressClass {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name },
    spec: {
      controller: 'ingress.k8s.aws/alb',
      parameters: { apiGroup: 'elbv2.k8s.aws', kind, name: paramsName },
    },
  };
}
function namespace(name: string, labels: Record<string, string>): V1Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

/** The three-member group, every member using class `public` whose params are `spec`. */
function withParams(spec: Record<string, unknown>, shared: Record<string, string> = {}): ClusterObjects {
  const o = threeMemberGroup({ shared });
  o.ingressClasses.push(paramsClass('public', 'public'));
  o.ingressClassParams.push(params('public', spec));
  for (const i of o.ingresses) i.spec!.ingressClassName = 'public';
  return o;
}
function stackOf(o: ClusterObjects, id = 'shop'): DesiredStack {
  const b = buildStack(id, o, opts);
  if (!b?.result.ok || !b.result.stack) throw new Error(`model failed: ${JSON.stringify(b?.result)}`);
  return b.result.stack;
}
const verdict = (o: ClusterObjects, i = 0) => {
  const v = validateIngress(o.ingresses[i]!, o, opts);
  return {
    allowed: v.allowed,
    problems: v.problems.map(formatProblem),
    warnings: v.warnings.map(formatWarning),
  };
};

describe('IngressClassParams precedence', () => {
  it('applies the class values to the load balancer, listeners and target groups', () => {
    const s = stackOf(
      withParams({
        scheme: 'internet-facing',
        ipAddressType: 'dualstack',
        loadBalancerName: 'shop-public',
        subnets: { ids: ['subnet-0a', 'subnet-0b'] },
        inboundCIDRs: ['10.0.0.0/8'],
        sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        certificateArn: ['arn:aws:acm:us-east-1:123456789012:certificate/class'],
        loadBalancerAttributes: [{ key: 'idle_timeout.timeout_seconds', value: '120' }],
        tags: [{ key: 'team', value: 'edge' }],
        targetType: 'ip',
      }),
    );
    expect(s.loadBalancer).toMatchObject({
      name: 'shop-public',
      scheme: 'internet-facing',
      ipAddressType: 'dualstack',
      subnets: {
        kind: 'explicit',
        refs: [
          { kind: 'id', id: 'subnet-0a' },
          { kind: 'id', id: 'subnet-0b' },
        ],
      },
      attributes: { 'idle_timeout.timeout_seconds': '120' },
    });
    expect(s.loadBalancer.tags.team).toBe('edge');
    // certificateArn makes the default listen port HTTPS:443, as an annotation certificate does.
    expect(s.listeners.map((l) => [l.protocol, l.port, l.sslPolicy, l.certificateArns])).toEqual([
      [
        'HTTPS',
        443,
        'ELBSecurityPolicy-TLS13-1-2-2021-06',
        // Every member gets the class certificate: the default listed again is in SNI too (LBC).
        [
          'arn:aws:acm:us-east-1:123456789012:certificate/class',
          'arn:aws:acm:us-east-1:123456789012:certificate/class',
        ],
      ],
    ]);
    expect(s.securityGroup?.ingress).toEqual([{ port: 443, cidr: '10.0.0.0/8' }]);
    expect(s.targetGroups.map((t) => t.targetType)).toEqual(['ip', 'ip', 'ip']);
  });

  it('wins over the same annotation and says so as a warning, not a denial', () => {
    const o = withParams({ scheme: 'internet-facing' }, { [`${P}scheme`]: 'internal' });
    expect(stackOf(o).loadBalancer.scheme).toBe('internet-facing');
    expect(verdict(o)).toEqual({
      allowed: true,
      problems: [],
      warnings: [
        'alpha/web-alpha: alb.ingress.kubernetes.io/scheme: internal is overridden by IngressClassParams public spec.scheme (internet-facing)',
      ],
    });
  });

  it('a bad annotation the class overrides is never read (no denial), as in the LBC', () => {
    const o = withParams({ scheme: 'internet-facing' }, { [`${P}scheme`]: 'public' });
    expect(verdict(o).allowed).toBe(true);
  });

  it('merges tags and load-balancer attributes key by key, the class winning', () => {
    const o = withParams(
      { tags: [{ key: 'team', value: 'edge' }], loadBalancerAttributes: [{ key: 'a', value: 'class' }] },
      { [`${P}tags`]: 'team=web,cost=42', [`${P}load-balancer-attributes`]: 'a=ann,b=ann' },
    );
    const s = stackOf(o);
    expect(s.loadBalancer.tags).toMatchObject({ team: 'edge', cost: '42' });
    expect(s.loadBalancer.attributes).toEqual({ a: 'class', b: 'ann' });
    expect(verdict(o).warnings).toContain(
      'alpha/web-alpha: alb.ingress.kubernetes.io/tags: team=web is overridden by IngressClassParams public spec.tags (team=edge)',
    );
  });

  it('targetType and tags win over the Service annotations too', () => {
    const o = withParams({ targetType: 'ip', tags: [{ key: 'team', value: 'edge' }] });
    for (const svc of o.services)
      svc.metadata!.annotations = { [`${P}target-type`]: 'instance', [`${P}tags`]: 'team=svc,owner=svc' };
    const s = stackOf(o);
    expect(s.targetGroups.map((t) => t.targetType)).toEqual(['ip', 'ip', 'ip']);
    expect(s.targetGroups[0]!.tags).toMatchObject({ team: 'edge', owner: 'svc' });
  });

  it('group.name puts every Ingress of the class in that group (over the annotation), finalizer included', () => {
    const o = withParams({ group: { name: 'edge' } });
    expect(buildStack('shop', o, opts)).toBeUndefined();
    const s = stackOf(o, 'edge');
    expect(s.listeners[0]!.rules).toHaveLength(6);
    const review = mutate(
      {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: { uid: 'u', operation: 'CREATE', namespace: 'alpha', object: o.ingresses[0] as never },
      },
      o,
    ).review;
    const patch = JSON.parse(Buffer.from(review.response.patch!, 'base64').toString());
    expect(patch).toEqual([
      { op: 'add', path: '/metadata/finalizers', value: ['group.ingress.k8s.aws/edge'] },
    ]);
  });

  it('the default IngressClass brings its params to Ingresses without a class; the legacy annotation none', () => {
    const o = withParams({ scheme: 'internet-facing' });
    o.ingressClasses = [
      {
        ...paramsClass('public', 'public'),
        metadata: { name: 'public', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      },
    ];
    for (const i of o.ingresses) delete i.spec!.ingressClassName;
    expect(stackOf(o).loadBalancer.scheme).toBe('internet-facing');
    for (const i of o.ingresses) i.metadata!.annotations!['kubernetes.io/ingress.class'] = 'alb';
    expect(stackOf(o).loadBalancer.scheme).toBe('internal');
  });

  it('sslRedirectPort redirects HTTP to the class port', () => {
    const s = stackOf(
      withParams(
        { sslRedirectPort: '443' },
        {
          [`${P}listen-ports`]: '[{"HTTP":80},{"HTTPS":443}]',
          [`${P}certificate-arn`]: 'arn:aws:acm:us-east-1:123456789012:certificate/x',
        },
      ),
    );
    expect(s.listeners[0]).toMatchObject({
      port: 80,
      defaultAction: { type: 'redirect', port: '443' },
      rules: [],
    });
  });
});

describe('IngressClassParams denials, one line each', () => {
  it('a value the annotation would deny is denied, naming the params field', () => {
    const o = withParams({ inboundCIDRs: ['10.0.0.1/8'], sslRedirectPort: 'https' });
    expect(verdict(o).problems).toEqual([
      'alpha/web-alpha: IngressClassParams public spec.sslRedirectPort: https: expected an integer from 1 to 65535',
      expect.stringMatching(
        /^alpha\/web-alpha: IngressClassParams public spec\.inboundCIDRs: 10\.0\.0\.1\/8: expected .*10\.0\.0\.0\/8/,
      ),
    ]);
  });

  it('sslRedirectPort must be an HTTPS listen port', () => {
    expect(verdict(withParams({ sslRedirectPort: '443' })).problems).toEqual([
      'alpha/web-alpha: IngressClassParams public spec.sslRedirectPort: 443: expected an HTTPS listen port, but listen-ports has none',
    ]);
  });

  it('a namespace the namespaceSelector does not select', () => {
    const o = withParams({ namespaceSelector: { matchLabels: { tier: 'public' } } });
    o.namespaces.push(namespace('alpha', { tier: 'internal' }), namespace('beta', { tier: 'public' }));
    expect(verdict(o, 0)).toMatchObject({
      allowed: false,
      problems: [
        'alpha/web-alpha: IngressClassParams public spec.namespaceSelector: namespace alpha: expected a namespace matching tier=public to use IngressClass public',
      ],
    });
    expect(verdict(o, 1).allowed).toBe(true);
    // Offline, a namespace with no manifest has only its name label.
    expect(verdict(o, 2).problems[0]).toContain(
      '(namespace gamma is not known, only its kubernetes.io/metadata.name label)',
    );
  });

  it('a missing IngressClassParams, or parameters of another kind', () => {
    const o = withParams({});
    o.ingressClassParams = [];
    expect(verdict(o).problems).toEqual([
      'alpha/web-alpha: spec.ingressClassName: public: expected IngressClassParams public, which IngressClass public references, to exist',
    ]);
    const p = withParams({});
    p.ingressClasses[1] = paramsClass('public', 'public', 'ConfigMap');
    expect(verdict(p).problems).toEqual([
      'alpha/web-alpha: spec.ingressClassName: public: expected an IngressClass whose spec.parameters reference apiGroup elbv2.k8s.aws, kind IngressClassParams (it references elbv2.k8s.aws ConfigMap public)',
    ]);
  });

  it('unsupported values deny; unsupported fields warn', () => {
    const o = withParams({
      subnets: { tags: { 'kubernetes.io/role/elb': ['1'] } },
      ipAddressType: 'dualstack-without-public-ipv4',
      listeners: [{ protocol: 'HTTP', port: 80, listenerAttributes: [{ key: 'k', value: 'v' }] }],
    });
    const v = verdict(o);
    expect(v.problems).toEqual([
      'alpha/web-alpha: IngressClassParams public spec.ipAddressType: dualstack-without-public-ipv4: expected ipv4 or dualstack (dualstack-without-public-ipv4 is not supported by Albatross yet)',
      'alpha/web-alpha: IngressClassParams public spec.subnets.tags: {"kubernetes.io/role/elb":["1"]}: expected subnets.ids (subnet selection by tags is not supported by Albatross yet)',
    ]);
    expect(v.warnings).toContain(
      'alpha/web-alpha: IngressClassParams public spec.listeners is not supported by Albatross yet; it is ignored',
    );
  });

  it('a class value against another member’s annotation is a group conflict naming both', () => {
    const o = withParams({ scheme: 'internet-facing' });
    // gamma leaves the class (plain alb class) but stays in the group by annotation, with another scheme.
    o.ingresses[2]!.spec!.ingressClassName = 'alb';
    o.ingresses[2]!.metadata!.annotations![`${P}scheme`] = 'internal';
    expect(verdict(o, 2)).toMatchObject({
      allowed: false,
      problems: [
        'gamma/web-gamma: alb.ingress.kubernetes.io/scheme: internal: expected internet-facing (IngressClassParams public spec.scheme) to match alpha/web-alpha (IngressGroup shop)',
      ],
    });
  });
});

describe('label selectors', () => {
  it.each([
    [{}, {}, true],
    [{ matchLabels: { a: '1' } }, { a: '1', b: '2' }, true],
    [{ matchLabels: { a: '1' } }, { a: '2' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, { a: '2' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, {}, true],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, { a: '1' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { a: '' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: '' }, false],
  ] as const)('%j on %j → %s', (selector, labels, want) => {
    expect(selectorMatches(selector as never, labels)).toBe(want);
  });
});
