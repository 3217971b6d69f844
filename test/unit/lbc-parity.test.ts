/** Ingresses written for the AWS Load Balancer Controller build as it builds them (SPEC §4 parity notes). */
import type { V1Ingress } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parseAction, parseConditions } from '../../shared/annotations/actions';
import { buildStack, validateIngress, validateIngressDeletion } from '../../shared/build';
import type { ClusterObjects } from '../../shared/cluster';
import type { DesiredStack } from '../../shared/model';
import { formatProblem } from '../../shared/problems';
import { modelFailureRecipients } from '../../webhook/forwarder';
import { CLUSTER, service, threeMemberGroup } from '../support/group-fixture';

const P = 'alb.ingress.kubernetes.io/';
const opts = { clusterName: CLUSTER };
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';
const TG_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/0123456789abcdef';

function stackOf(objects: ClusterObjects, id: string): DesiredStack {
  const b = buildStack(id, objects, opts);
  if (!b?.result.ok || !b.result.stack) throw new Error(`model failed: ${JSON.stringify(b?.result)}`);
  return b.result.stack;
}

describe('legacy CamelCase action and condition JSON', () => {
  it('a CamelCase redirect is the same action as its camelCase spelling', () => {
    const camel = parseAction(
      '{"type":"redirect","redirectConfig":{"protocol":"HTTPS","port":"443","statusCode":"HTTP_301"}}',
    );
    expect(
      parseAction(
        '{"Type":"redirect","RedirectConfig":{"Protocol":"HTTPS","Port":"443","StatusCode":"HTTP_301"}}',
      ),
    ).toEqual(camel);
    expect(camel).toEqual({
      ok: true,
      value: { type: 'redirect', protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' },
    });
  });
  it('a CamelCase weighted forward with stickiness', () => {
    expect(
      parseAction(
        '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"blue","ServicePort":"80","Weight":90},{"ServiceName":"green","ServicePort":"http","Weight":10}],"TargetGroupStickinessConfig":{"Enabled":true,"DurationSeconds":200}}}',
      ),
    ).toEqual({
      ok: true,
      value: {
        type: 'forward',
        targetGroups: [
          { serviceName: 'blue', servicePort: 80, weight: 90 },
          { serviceName: 'green', servicePort: 'http', weight: 10 },
        ],
        stickiness: { enabled: true, durationSeconds: 200 },
      },
    });
  });
  it('CamelCase conditions of every field', () => {
    expect(
      parseConditions(
        JSON.stringify([
          { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Env', Values: ['beta'] } },
          { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['GET'] } },
          { Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'v', Value: '2' }] } },
          { Field: 'source-ip', SourceIPConfig: { Values: ['10.0.0.0/8'] } },
          { Field: 'host-header', HostHeaderConfig: { Values: ['x.example.com'] } },
          { Field: 'path-pattern', PathPatternConfig: { Values: ['/x'] } },
        ]),
      ),
    ).toEqual({
      ok: true,
      value: [
        { field: 'http-header', httpHeaderName: 'X-Env', values: ['beta'] },
        { field: 'http-request-method', values: ['GET'] },
        { field: 'query-string', values: [{ key: 'v', value: '2' }] },
        { field: 'source-ip', values: ['10.0.0.0/8'] },
        { field: 'host-header', values: ['x.example.com'] },
        { field: 'path-pattern', values: ['/x'] },
      ],
    });
  });
  it('the same member in two casings is a mistake, named', () => {
    const r = parseAction('{"type":"redirect","Type":"redirect","redirectConfig":{"statusCode":"HTTP_301"}}');
    expect(r).toMatchObject({ ok: false });
    if (!r.ok) expect(r.expected).toContain('"type" and "Type" are the same member');
  });
  it('an unknown member is still denied by name', () => {
    const r = parseAction('{"Type":"redirect","RedirectConfig":{"StatusCode":"HTTP_301","Colour":"red"}}');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.expected).toContain('Colour');
  });
});

describe('forward to target groups managed elsewhere', () => {
  it('targetGroupARN / targetGroupName in forwardConfig and the simplified schema', () => {
    expect(
      parseAction(
        `{"type":"forward","forwardConfig":{"targetGroups":[{"targetGroupARN":"${TG_ARN}","weight":50},{"targetGroupName":"green-tg","weight":50}]}}`,
      ),
    ).toEqual({
      ok: true,
      value: {
        type: 'forward',
        targetGroups: [
          { targetGroupArn: TG_ARN, weight: 50 },
          { targetGroupName: 'green-tg', weight: 50 },
        ],
      },
    });
    expect(parseAction(`{"Type":"forward","TargetGroupArn":"${TG_ARN}"}`)).toEqual({
      ok: true,
      value: { type: 'forward', targetGroups: [{ targetGroupArn: TG_ARN, weight: 1 }] },
    });
  });
  it.each([
    ['a malformed ARN', `{"type":"forward","targetGroupARN":"arn:aws:iam::1:x"}`, 'a target group ARN like'],
    [
      'a Service and an ARN in one entry',
      `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"a","servicePort":80,"targetGroupARN":"${TG_ARN}"}]}}`,
      'not both',
    ],
    [
      'forwardConfig and a simplified ARN',
      `{"type":"forward","targetGroupARN":"${TG_ARN}","forwardConfig":{"targetGroups":[{"serviceName":"a","servicePort":80}]}}`,
      'not both',
    ],
    [
      'two target groups without weights',
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"a","servicePort":80},{"serviceName":"b","servicePort":80,"weight":1}]}}',
      'forwardConfig.targetGroups[0].weight: weight is required',
    ],
    [
      'a Service without a port',
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"a"}]}}',
      'servicePort is required',
    ],
  ])('denies %s', (_, raw, expected) => {
    const r = parseAction(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.expected).toContain(expected);
  });
  it('builds external target groups into the forward action beside this stack’s own', () => {
    const objects = threeMemberGroup();
    const ing = objects.ingresses[0]!;
    ing.metadata!.annotations![`${P}actions.bluegreen`] =
      `{"type":"forward","forwardConfig":{"targetGroups":[{"targetGroupARN":"${TG_ARN}","weight":80},{"serviceName":"web","servicePort":80,"weight":20}]}}`;
    ing.spec!.rules![0]!.http!.paths = [
      {
        path: '/',
        pathType: 'Prefix',
        backend: { service: { name: 'bluegreen', port: { name: 'use-annotation' } } },
      },
    ];
    expect(stackOf(objects, 'shop').listeners[0]!.rules[0]!.action).toEqual({
      type: 'forward',
      targetGroups: [
        { externalTargetGroupArn: TG_ARN, weight: 80 },
        { targetGroup: 'alpha/web-alpha-web:80', weight: 20 },
      ],
    });
  });
});

/** The classic recipe from the LBC's documentation, annotations exactly as people copy them. */
function sslRedirectRecipe(): ClusterObjects {
  const ing: V1Ingress = {
    metadata: {
      name: 'echo',
      namespace: 'default',
      annotations: {
        [`${P}listen-ports`]: '[{"HTTP": 80}, {"HTTPS":443}]',
        [`${P}certificate-arn`]: CERT,
        [`${P}actions.ssl-redirect`]:
          '{"Type": "redirect", "RedirectConfig": { "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}',
      },
    },
    spec: {
      ingressClassName: 'alb',
      rules: [
        {
          http: {
            paths: [
              {
                path: '/*',
                pathType: 'ImplementationSpecific',
                backend: { service: { name: 'ssl-redirect', port: { name: 'use-annotation' } } },
              },
              {
                path: '/users/*',
                pathType: 'ImplementationSpecific',
                backend: { service: { name: 'web', port: { number: 80 } } },
              },
              {
                path: '/*',
                pathType: 'ImplementationSpecific',
                backend: { service: { name: 'web', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
  const objects = threeMemberGroup();
  return { ...objects, ingresses: [ing], services: [{ ...service('default', 30080) }] };
}

describe('the rule optimizer', () => {
  const redirect = { type: 'redirect', protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' };
  it('the classic actions.ssl-redirect Ingress: one redirect on :80, no loop on :443', () => {
    const objects = sslRedirectRecipe();
    expect(validateIngress(objects.ingresses[0]!, objects, opts)).toMatchObject({
      allowed: true,
      problems: [],
    });
    const [http, https] = stackOf(objects, 'default/echo').listeners;
    expect(http!.rules.map((r) => [r.priority, r.conditions, r.action])).toEqual([
      [1, [{ field: 'path-pattern', values: ['/*'] }], redirect],
    ]);
    expect(https!.rules.map((r) => [r.priority, r.conditions[0]!.values, r.action.type])).toEqual([
      [1, ['/users/*'], 'forward'],
      [2, ['/*'], 'forward'],
    ]);
    expect(https!.rules[0]!.tags['ingress.k8s.aws/resource']).toBe('443:1');
  });
  it('keeps a redirect that changes the host, and rules a host-bound redirect does not cover', () => {
    const objects = sslRedirectRecipe();
    const ing = objects.ingresses[0]!;
    ing.metadata!.annotations![`${P}actions.ssl-redirect`] =
      '{"type":"redirect","redirectConfig":{"protocol":"HTTPS","port":"443","host":"www.example.com","statusCode":"HTTP_301"}}';
    ing.spec!.rules!.unshift({
      host: 'other.example.com',
      http: {
        paths: [
          { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
        ],
      },
    });
    ing.spec!.rules![1]!.host = 'old.example.com';
    const [http, https] = stackOf(objects, 'default/echo').listeners;
    expect(http!.rules.map((r) => r.conditions.find((c) => c.field === 'host-header')!.values[0])).toEqual([
      'other.example.com',
      'old.example.com',
    ]);
    // On :443 the redirect now goes elsewhere (another host), so it stays and shadows old.example.com.
    expect(https!.rules.map((r) => r.action.type)).toEqual(['forward', 'redirect']);
  });
  it('an earlier redirect with a header condition shadows nothing', () => {
    const objects = sslRedirectRecipe();
    objects.ingresses[0]!.metadata!.annotations![`${P}conditions.ssl-redirect`] =
      '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-Forwarded-Proto","values":["http"]}}]';
    const [http] = stackOf(objects, 'default/echo').listeners;
    expect(http!.rules).toHaveLength(3);
  });
});

describe('conditions.<service> host-header and path-pattern merge into the rule’s own', () => {
  it('values join the single host-header and path-pattern conditions, rule values first', () => {
    const objects = threeMemberGroup();
    objects.ingresses[0]!.metadata!.annotations![`${P}conditions.web`] =
      '[{"field":"host-header","hostHeaderConfig":{"values":["alt.example.com"]}},{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-A","values":["1"]}}]';
    const rule = stackOf(objects, 'shop').listeners[0]!.rules.find((r) =>
      JSON.stringify(r.conditions).includes('/health'),
    )!;
    expect(rule.conditions).toEqual([
      { field: 'http-header', httpHeaderName: 'X-A', values: ['1'] },
      { field: 'host-header', values: ['alpha.example.com', 'alt.example.com'] },
      { field: 'path-pattern', values: ['/health'] },
    ]);
  });
  it('a merged rule over 5 values is denied with the ALB limit named', () => {
    const objects = threeMemberGroup();
    objects.ingresses[0]!.metadata!.annotations![`${P}conditions.web`] =
      '[{"field":"path-pattern","pathPatternConfig":{"values":["/a","/b","/c","/d"]}}]';
    const b = buildStack('shop', objects, opts)!;
    expect(b.result.ok).toBe(false);
    if (!b.result.ok)
      expect(b.result.problems.map(formatProblem)).toContain(
        'alpha/web-alpha: spec.rules[0].http.paths[1]: 6 condition values: expected at most 5 condition values per rule (ALB limit)',
      );
  });
});

describe('IPv6 target groups', () => {
  function ipv6Group(lbType?: 'dualstack' | 'ipv4'): ClusterObjects {
    const objects = threeMemberGroup({
      shared: {
        [`${P}target-type`]: 'ip',
        ...(lbType ? { [`${P}ip-address-type`]: lbType } : {}),
      },
    });
    objects.services[0]!.spec!.ipFamilies = ['IPv6'];
    const v6 = structuredClone(objects.endpointSlices[0]!);
    v6.metadata!.name = 'web-alpha-v6';
    v6.addressType = 'IPv6';
    v6.endpoints = [{ addresses: ['2001:db8::10'], conditions: { ready: true } }];
    objects.endpointSlices.push(v6);
    return objects;
  }
  it('a Service with the IPv6 family gets an ipv6 target group with its IPv6 endpoints', () => {
    const s = stackOf(ipv6Group('dualstack'), 'shop');
    const alpha = s.targetGroups.find((t) => t.resourceId.startsWith('alpha/'))!;
    expect(alpha).toMatchObject({ ipAddressType: 'ipv6', targets: [{ id: '2001:db8::10', port: 8080 }] });
    expect(s.targetGroups.find((t) => t.resourceId.startsWith('beta/'))!.ipAddressType).toBe('ipv4');
  });
  it('needs a dualstack load balancer: one denial naming the Service', () => {
    const objects = ipv6Group();
    const b = buildStack('shop', objects, opts)!;
    expect(b.result.ok ? [] : b.result.problems.map(formatProblem)).toEqual([
      `alpha/web-alpha: ${P}ip-address-type: ipv4: expected dualstack, because Service alpha/web has the IPv6 family (spec.ipFamilies) and its target group is ipv6`,
    ]);
    expect(validateIngress(objects.ingresses[0]!, objects, opts).allowed).toBe(false);
  });
});

describe('certificates merged across members', () => {
  const arn = (id: string) => `arn:aws:acm:us-east-1:123456789012:certificate/${id}`;
  it('the default certificate listed again by another member is in the SNI list too', () => {
    const objects = threeMemberGroup();
    const certs = [`${arn('c1')},${arn('c2')}`, `${arn('c1')},${arn('c3')}`, arn('c2')];
    objects.ingresses.forEach((ing, i) => {
      ing.metadata!.annotations![`${P}certificate-arn`] = certs[i]!;
    });
    expect(stackOf(objects, 'shop').listeners[0]!.certificateArns).toEqual([
      arn('c1'),
      arn('c2'),
      arn('c1'),
      arn('c3'),
    ]);
  });
});

describe('certificates listed twice by one member', () => {
  it('the default listed again goes to the SNI list; other repeats are dropped', () => {
    const arn = (id: string) => `arn:aws:acm:us-east-1:123456789012:certificate/${id}`;
    const objects = threeMemberGroup({
      shared: { [`${P}certificate-arn`]: [arn('c1'), arn('c2'), arn('c2'), arn('c1')].join(',') },
    });
    objects.ingresses = objects.ingresses.slice(0, 1);
    expect(stackOf(objects, 'shop').listeners[0]!.certificateArns).toEqual([arn('c1'), arn('c2'), arn('c1')]);
  });
});

describe('deletion protection', () => {
  const PROTECTED = { [`${P}load-balancer-attributes`]: 'deletion_protection.enabled=true' };
  function deleting(objects: ClusterObjects, i: number): V1Ingress {
    const ing = objects.ingresses[i]!;
    ing.metadata!.finalizers = ['group.ingress.k8s.aws/shop'];
    ing.metadata!.deletionTimestamp = new Date();
    return ing;
  }
  const message = `alpha/web-alpha: ${P}load-balancer-attributes: deletion_protection.enabled=true: expected deletion_protection.enabled=false first: deletion protection is enabled on the load balancer of IngressGroup shop, so the Ingress cannot be deleted`;

  it('the last member being deleted does not delete the stack; the build says why', () => {
    const objects = threeMemberGroup({ shared: PROTECTED });
    objects.ingresses = objects.ingresses.slice(0, 1);
    deleting(objects, 0);
    const b = buildStack('shop', objects, opts)!;
    expect(b.result).toEqual({ ok: false, problems: [expect.anything()], warnings: [] });
    if (!b.result.ok) expect(b.result.problems.map(formatProblem)).toEqual([message]);
  });
  it('a protected member leaving holds the group; the other members are still validated on their own', () => {
    const objects = threeMemberGroup({ shared: PROTECTED });
    deleting(objects, 0);
    const b = buildStack('shop', objects, opts)!;
    expect(b.result.ok).toBe(false);
    if (!b.result.ok) expect(b.result.problems.map(formatProblem)).toEqual([message]);
    expect(validateIngress(objects.ingresses[1]!, objects, opts).allowed).toBe(true);
  });
  it('protection turned off (or never on) lets the deletion through', () => {
    const objects = threeMemberGroup({
      shared: { [`${P}load-balancer-attributes`]: 'deletion_protection.enabled=False' },
    });
    objects.ingresses = objects.ingresses.slice(0, 1);
    deleting(objects, 0);
    expect(buildStack('shop', objects, opts)!.result).toEqual({ ok: true, stack: null, warnings: [] });
  });
  it('the deleting Ingress hears of it even when it is the only one left', () => {
    const objects = threeMemberGroup({ shared: PROTECTED });
    objects.ingresses = objects.ingresses.slice(0, 1);
    deleting(objects, 0);
    expect(modelFailureRecipients(buildStack('shop', objects, opts)!).map((m) => m.name)).toEqual([
      'web-alpha',
    ]);
  });
  it('admission of a DELETE says the same before the Ingress is stuck Terminating', () => {
    const objects = threeMemberGroup({ shared: PROTECTED });
    const v = validateIngressDeletion(objects.ingresses[0]!, objects);
    expect(v.allowed).toBe(false);
    expect(v.problems.map(formatProblem)).toEqual([message]);
    objects.ingresses[1]!.metadata!.annotations![`${P}load-balancer-attributes`] =
      'idle_timeout.timeout_seconds=60';
    expect(validateIngressDeletion(objects.ingresses[1]!, objects).allowed).toBe(true);
  });
});
