/** Every annotation of SPEC §3: valid, invalid (field, value, expectation), and its default in the model. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIngressAnnotations, parseServiceAnnotations } from '../../shared/annotations/parse';
import { buildStack } from '../../shared/build';
import { CLUSTER, threeMemberGroup } from '../support/group-fixture';

const P = 'alb.ingress.kubernetes.io/';
const ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123';

const problemsOf = (key: string, value: string) =>
  parseIngressAnnotations({ [`${P}${key}`]: value }).problems;
const parsedValue = (key: string, value: string) => {
  const r = parseIngressAnnotations({ [`${P}${key}`]: value });
  expect(r.problems).toEqual([]);
  return r.value;
};

// [key, a valid value, what it parses to, an invalid value, the expectation text the problem must contain]
const CASES: [string, string, Record<string, unknown>, string, string][] = [
  ['scheme', 'internet-facing', { scheme: 'internet-facing' }, 'public', 'one of internal, internet-facing'],
  ['target-type', 'ip', { targetType: 'ip' }, 'pod', 'one of instance, ip'],
  [
    'listen-ports',
    '[{"HTTP":80},{"HTTP":8080}]',
    {
      listenPorts: [
        { protocol: 'HTTP', port: 80 },
        { protocol: 'HTTP', port: 8080 },
      ],
    },
    '[{"HTTP":0}]',
    'port 1–65535',
  ],
  [
    'certificate-arn',
    `${ARN}, ${ARN}`,
    { certificateArns: [ARN] },
    'arn:aws:iam::1:cert/x',
    'ACM certificate ARNs',
  ],
  [
    'ssl-policy',
    'ELBSecurityPolicy-TLS13-1-2-2021-06',
    { sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' },
    'bad policy!',
    'security policy name',
  ],
  ['backend-protocol', 'HTTPS', { backendProtocol: 'HTTPS' }, 'TCP', 'one of HTTP, HTTPS'],
  [
    'backend-protocol-version',
    'GRPC',
    { backendProtocolVersion: 'GRPC' },
    'HTTP3',
    'one of HTTP1, HTTP2, GRPC',
  ],
  ['healthcheck-port', '8080', { healthcheckPort: 8080 }, '70000', 'traffic-port, a port from 1 to 65535'],
  ['healthcheck-protocol', 'HTTPS', { healthcheckProtocol: 'HTTPS' }, 'TCP', 'one of HTTP, HTTPS'],
  ['healthcheck-path', '/ready', { healthcheckPath: '/ready' }, 'ready', 'a path starting with /'],
  ['healthcheck-interval-seconds', '30', { healthcheckIntervalSeconds: 30 }, '4', 'an integer from 5 to 300'],
  ['healthcheck-timeout-seconds', '10', { healthcheckTimeoutSeconds: 10 }, '121', 'an integer from 2 to 120'],
  ['healthy-threshold-count', '3', { healthyThresholdCount: 3 }, '11', 'an integer from 2 to 10'],
  ['unhealthy-threshold-count', '4', { unhealthyThresholdCount: 4 }, '1', 'an integer from 2 to 10'],
  ['success-codes', '200-299', { successCodes: '200-299' }, '200-', 'as "200", "200,202" or "200-299"'],
  [
    'target-group-attributes',
    'stickiness.enabled=true, deregistration_delay.timeout_seconds=30',
    { targetGroupAttributes: { 'stickiness.enabled': 'true', 'deregistration_delay.timeout_seconds': '30' } },
    'novalue',
    'key=value pairs',
  ],
  [
    'load-balancer-attributes',
    'idle_timeout.timeout_seconds=120',
    { loadBalancerAttributes: { 'idle_timeout.timeout_seconds': '120' } },
    'a=1,a=2',
    'each key once',
  ],
  ['load-balancer-name', 'my-alb-1', { loadBalancerName: 'my-alb-1' }, '-bad-', 'at most 32 characters'],
  [
    'subnets',
    'subnet-1, public-a',
    { subnets: ['subnet-1', 'public-a'] },
    ' , ',
    'a comma-separated list of subnet IDs or Name tags',
  ],
  [
    'security-groups',
    'sg-1,web',
    { securityGroups: ['sg-1', 'web'] },
    ',',
    'security group IDs or Name tags',
  ],
  [
    'inbound-cidrs',
    '10.0.0.0/8, 2001:db8::/32',
    { inboundCidrs: ['10.0.0.0/8', '2001:db8::/32'] },
    '10.0.0.1/8',
    'did you mean 10.0.0.0/8?',
  ],
  ['ip-address-type', 'dualstack', { ipAddressType: 'dualstack' }, 'ipv6', 'one of ipv4, dualstack'],
  [
    'tags',
    'team=web, env=prod',
    { tags: { team: 'web', env: 'prod' } },
    'aws:x=1',
    'without the reserved "aws:" prefix',
  ],
  ['group.name', 'shop.v2', { groupName: 'shop.v2' }, 'Shop_1', 'at most 63 characters of a-z, 0-9'],
  ['group.order', '-1000', { groupOrder: -1000 }, '1001', 'an integer from -1000 to 1000'],
  ['wafv2-acl-arn', 'none', { wafv2AclArn: 'none' }, 'arn:aws:waf::x', 'a WAFv2 regional WebACL ARN or none'],
  [
    'actions.canary',
    '{"type":"fixed-response","fixedResponseConfig":{"statusCode":"418"}}',
    { actions: { canary: { type: 'fixed-response', statusCode: '418' } } },
    '{"type":"forward"}',
    'forwardConfig',
  ],
  [
    'conditions.web',
    '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-Canary","values":["on"]}}]',
    { conditions: { web: [{ field: 'http-header', httpHeaderName: 'X-Canary', values: ['on'] }] } },
    '[{"field":"cookie"}]',
    'a valid list of conditions',
  ],
];

describe.each(CASES)('%s', (key, valid, parsed, invalid, expected) => {
  it('parses a valid value', () => {
    expect(parsedValue(key, valid)).toMatchObject(parsed);
  });
  it('denies an invalid value naming the annotation, the value and what was expected', () => {
    const problems = problemsOf(key, invalid);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ field: `${P}${key}`, value: invalid });
    expect(problems[0]!.expected).toContain(expected);
  });
});

describe('cross-field rules', () => {
  it('ssl-redirect must be an HTTPS listen port', () => {
    expect(parseIngressAnnotations({ [`${P}ssl-redirect`]: '443' }).problems[0]).toMatchObject({
      field: `${P}ssl-redirect`,
      value: '443',
    });
    expect(
      parseIngressAnnotations({ [`${P}ssl-redirect`]: '443', [`${P}certificate-arn`]: ARN }).problems,
    ).toEqual([]);
  });
  it('an HTTPS listen port without certificate-arn is fine: its certificates are discovered', () => {
    expect(parseIngressAnnotations({ [`${P}listen-ports`]: '[{"HTTPS":443}]' }).problems).toEqual([]);
  });
  it('the health check timeout must be below the interval', () => {
    const r = parseIngressAnnotations({
      [`${P}healthcheck-interval-seconds`]: '10',
      [`${P}healthcheck-timeout-seconds`]: '10',
    });
    expect(r.problems[0]).toMatchObject({
      field: `${P}healthcheck-timeout-seconds`,
      expected: 'less than healthcheck-interval-seconds (10)',
    });
  });
});

describe('warnings', () => {
  it('names the closest known key for an unknown one', () => {
    expect(parseIngressAnnotations({ [`${P}healthcheck-pth`]: '/' }).warnings).toEqual([
      `unknown annotation ${P}healthcheck-pth; did you mean ${P}healthcheck-path?`,
    ]);
  });
  it('says which LBC annotations are not supported yet', () => {
    expect(
      parseIngressAnnotations({ [`${P}auth-type`]: 'oidc', [`${P}frontend-nlb-scheme`]: 'internal' })
        .warnings,
    ).toEqual([
      `${P}auth-type is not supported by Albatross yet; it is ignored`,
      `${P}frontend-nlb-scheme is not supported by Albatross yet; it is ignored`,
    ]);
  });
  it('ignores Ingress-only keys on a Service with a warning, and takes the backend ones', () => {
    const r = parseServiceAnnotations({ [`${P}scheme`]: 'internal', [`${P}healthcheck-path`]: '/svc' });
    expect(r.value).toEqual({ healthcheckPath: '/svc' });
    expect(r.warnings).toEqual([`${P}scheme applies to an Ingress only; it is ignored on a Service`]);
  });
});

describe('defaults in the built stack', () => {
  it('applies SPEC §3 defaults when nothing is set', () => {
    const b = buildStack('shop', threeMemberGroup(), { clusterName: CLUSTER });
    expect(b?.result.ok).toBe(true);
    if (!b?.result.ok || !b.result.stack) return;
    const s = b.result.stack;
    expect(s.loadBalancer).toMatchObject({
      scheme: 'internal',
      ipAddressType: 'ipv4',
      subnets: { kind: 'discover' },
      securityGroups: { kind: 'managed' },
    });
    expect(s.listeners.map((l) => [l.protocol, l.port])).toEqual([['HTTP', 80]]);
    expect(s.securityGroup?.ingress).toEqual([{ port: 80, cidr: '0.0.0.0/0' }]);
    expect(s.targetGroups[0]).toMatchObject({
      targetType: 'instance',
      protocol: 'HTTP',
      protocolVersion: 'HTTP1',
      healthCheck: {
        protocol: 'HTTP',
        port: 'traffic-port',
        path: '/',
        intervalSeconds: 15,
        timeoutSeconds: 5,
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
        matcher: { httpCode: '200' },
      },
    });
  });
  it('GRPC changes the health-check defaults; certificates default the listener to HTTPS:443 with the default policy', () => {
    const b = buildStack(
      'shop',
      threeMemberGroup({
        shared: { [`${P}backend-protocol-version`]: 'GRPC', [`${P}certificate-arn`]: ARN },
      }),
      { clusterName: CLUSTER },
    );
    if (!b?.result.ok || !b.result.stack) throw new Error('model failed');
    expect(b.result.stack.targetGroups[0]!.healthCheck).toMatchObject({
      path: '/AWS.ALB/healthcheck',
      matcher: { grpcCode: '12' },
    });
    expect(b.result.stack.listeners[0]).toMatchObject({
      protocol: 'HTTPS',
      port: 443,
      sslPolicy: 'ELBSecurityPolicy-2016-08',
      // Every member lists the same certificate: as in the LBC, the default listed again by another
      // member is in the SNI list too.
      certificateArns: [ARN, ARN],
    });
  });
});

describe('properties', () => {
  it('never throws on arbitrary annotation maps: it returns problems', () => {
    const keys = fc.oneof(
      fc.string(),
      fc.constantFrom(...CASES.map(([k]) => `${P}${k}`)),
      fc.string().map((s) => `${P}${s}`),
    );
    fc.assert(
      fc.property(fc.dictionary(keys, fc.string()), (annotations) => {
        const r = parseIngressAnnotations(annotations);
        expect(Array.isArray(r.problems)).toBe(true);
        parseServiceAnnotations(annotations);
      }),
      { numRuns: 500 },
    );
  });
});
