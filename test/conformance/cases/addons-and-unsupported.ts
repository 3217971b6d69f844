/**
 * `model_build_load_balancer_addons_test.go` (WAFv2 across a group), the subnet cases of
 * `model_build_load_balancer_test.go`, and one case per LBC feature Albatross does not implement yet
 * (authentication, mutual TLS, a frontend NLB, capacity reservation, IPAM pools, customer-owned IPs):
 * those assert Albatross's warning and that the rest of the stack still builds.
 */
import type { ConformanceCase, Expectation } from '../case';
import { cluster, ingress, rule, service, to, withClassParams } from '../fixtures';
import type { NStack } from '../neutral';

const svc = service('awesome-ns', 'svc', [{ name: 'http', port: 80, targetPort: 8080, nodePort: 32768 }]);
const members = (group: string | undefined, ...annotations: Record<string, string>[]) =>
  cluster({
    ingresses: annotations.map((a, i) =>
      ingress('awesome-ns', `awesome-ing-${i}`, {
        annotations: { ...(group ? { 'group.name': group } : {}), ...a },
        rules: [rule(undefined, to('/', 'svc', 'http', 'Prefix'))],
      }),
    ),
    services: [svc],
  });

// ---- WAFv2
const wafSource =
  'model_build_load_balancer_addons_test.go: Test_defaultModelBuildTask_buildWAFv2WebACLAssociation';
/** LBC's tests write `wafv2-arn-1`; Albatross takes only well-formed WebACL ARNs. */
const WAF =
  'arn:aws:wafv2:us-west-2:123456789012:regional/webacl/web-acl-1/3ab78708-85b0-49d3-b4e1-7a9615a6613b';
const WAF_ADAPTED = 'two members of group awesome-group; a well-formed WebACL ARN for LBC’s wafv2-arn-1';
/** No association (leave WAF alone), `none` (disassociate: LBC's empty WebACLARN) or the ARN. */
const waf = (s: NStack) => s.loadBalancer.wafv2AclArn ?? 'no association';
const wafCase = (
  name: string,
  a: Record<string, string>,
  b: Record<string, string>,
  want: string,
): ConformanceCase => ({
  name,
  source: wafSource,
  adapted: WAF_ADAPTED,
  stackId: 'awesome-group',
  objects: members('awesome-group', a, b),
  lbc: { kind: 'stack', select: waf, equals: want },
});

// ---- Subnets
const subnetSource = 'model_build_load_balancer_test.go: Test_defaultModelBuildTask_buildLoadBalancerSubnets';
const subnets = (s: NStack) => s.loadBalancer.subnets;

// ---- Unsupported features
function unsupported(
  name: string,
  source: string,
  feature: string,
  annotations: Record<string, string>,
  lbc: unknown,
  warnings: RegExp[],
  o: { listeners?: [number, string, number][]; adapted?: string } = {},
): ConformanceCase {
  const albatross: Expectation = {
    kind: 'stack',
    select: (s) => s.listeners.map((l) => [l.port, l.protocol, l.rules.length]),
    equals: o.listeners ?? [[80, 'HTTP', 1]],
    warnings,
  };
  return {
    name,
    source,
    ...(o.adapted ? { adapted: o.adapted } : {}),
    stackId: 'awesome-ns/awesome-ing-0',
    objects: members(undefined, annotations),
    lbc: { kind: 'outside-model', lbc },
    status: 'unsupported',
    unsupported: feature,
    albatross,
  };
}
const notSupported = (key: string) =>
  new RegExp(`alb\\.ingress\\.kubernetes\\.io/${key} is not supported by Albatross`);

export const ADDON_AND_UNSUPPORTED_CASES: ConformanceCase[] = [
  wafCase("when all ingresses don't have wafv2-acl-arn set", {}, {}, 'no association'),
  wafCase(
    'when all ingresses have wafv2-acl-arn annotation set to wafv2-arn-1',
    { 'wafv2-acl-arn': WAF },
    { 'wafv2-acl-arn': WAF },
    WAF,
  ),
  wafCase(
    'when one of ingresses have wafv2-acl-arn annotation set to wafv2-arn-1',
    {},
    { 'wafv2-acl-arn': WAF },
    WAF,
  ),
  wafCase(
    'when all ingresses have wafv2-acl-arn annotation set to none',
    { 'wafv2-acl-arn': 'none' },
    { 'wafv2-acl-arn': 'none' },
    'none',
  ),
  wafCase(
    'when one of ingresses have wafv2-acl-arn annotation set to none',
    {},
    { 'wafv2-acl-arn': 'none' },
    'none',
  ),
  {
    name: 'when ingresses have different value of wafv2-acl-arn annotation',
    source: wafSource,
    adapted: WAF_ADAPTED,
    stackId: 'awesome-group',
    objects: members('awesome-group', { 'wafv2-acl-arn': WAF }, { 'wafv2-acl-arn': 'none' }),
    lbc: {
      kind: 'error',
      lbc: 'conflicting WAFv2 WebACL ARNs: [none wafv2-arn-1]',
      problems: [
        /awesome-ing-1: alb\.ingress\.kubernetes\.io\/wafv2-acl-arn: none: expected arn:aws:wafv2:.* to match/,
      ],
    },
  },

  {
    name: 'subnet annotation',
    source: subnetSource,
    adapted:
      'member of group explicit-group; LBC resolves the Name tag namedsubnet to subnet-2 while building, Albatross when reconciling',
    stackId: 'explicit-group',
    objects: withClassParams(members('explicit-group', { subnets: 'subnet-1,namedsubnet' }), {}),
    lbc: { kind: 'stack', select: subnets, equals: ['subnet-1', 'namedsubnet'] },
  },
  {
    name: 'classparams subnet ids',
    source: subnetSource,
    stackId: 'awesome-ns/awesome-ing-0',
    objects: withClassParams(members(undefined, { subnets: 'subnet-4,othername' }), {
      subnets: { ids: ['subnet-1', 'subnet-2'] },
    }),
    lbc: { kind: 'stack', select: subnets, equals: ['subnet-1', 'subnet-2'] },
  },
  {
    name: 'classparams subnet tag multiple values',
    source: subnetSource,
    stackId: 'awesome-ns/awesome-ing-0',
    objects: withClassParams(members(undefined, { subnets: 'subnet-4,othername' }), {
      subnets: { tags: { Name: ['namedsubnet', 'othername'] } },
    }),
    // LBC looks the subnets up by tag while building: subnet-2 and subnet-4.
    lbc: { kind: 'outside-model', lbc: ['subnet-2', 'subnet-4'] },
    status: 'unsupported',
    unsupported: 'IngressClassParams subnets.tags',
    albatross: {
      kind: 'error',
      problems: [/IngressClassParams alb-params spec\.subnets\.tags: .*expected subnets\.ids/],
    },
  },

  unsupported(
    'cognito auth annotation',
    'auth_config_builder_test.go: Test_defaultAuthConfigBuilder_Build',
    'auth-* (Cognito/OIDC authentication)',
    {
      'auth-type': 'cognito',
      'auth-idp-cognito':
        '{"userPoolARN":"arn:aws:cognito-idp:us-west-2:xxx:userpool/xxx","userPoolClientID":"my-clientID","userPoolDomain":"my-domain","authenticationRequestExtraParams":{"key":"value"}}',
      'auth-on-unauthenticated-request': 'deny',
      'auth-scope': 'email',
      'auth-session-cookie': 'my-cookie',
      'auth-session-timeout': '86400',
    },
    {
      type: 'cognito',
      onUnauthenticatedRequest: 'deny',
      scope: 'email',
      sessionCookieName: 'my-cookie',
      sessionTimeout: 86400,
    },
    [notSupported('auth-type'), notSupported('auth-idp-cognito'), notSupported('auth-session-timeout')],
  ),
  unsupported(
    'Listener Config when MutualAuthentication annotation is specified',
    'model_build_listener_test.go: Test_computeIngressListenPortConfigByPort_MutualAuthentication',
    'mutual-authentication',
    {
      'listen-ports': '[{"HTTPS": 443}, {"HTTPS": 80}]',
      'mutual-authentication': '[{"port":443,"mode":"off"}, {"port":80,"mode":"passthrough"}]',
      'certificate-arn': 'arn:aws:acm:us-east-1:123456789012:certificate/new-clb-cert',
    },
    { 443: { mode: 'off' }, 80: { mode: 'passthrough' } },
    [notSupported('mutual-authentication')],
    {
      listeners: [
        [80, 'HTTPS', 1],
        [443, 'HTTPS', 1],
      ],
      adapted: 'an ACM certificate ARN for LBC’s arn:aws:iam::123456789:server-certificate/new-clb-cert',
    },
  ),
  unsupported(
    'with annotations',
    'model_build_frontend_nlb_test.go: Test_defaultModelBuildTask_buildFrontendNlbSecurityGroups',
    'frontend NLB',
    { 'frontend-nlb-security-groups': 'sg-manual' },
    { frontendNlbSecurityGroups: ['sg-manual'] },
    [notSupported('frontend-nlb-security-groups')],
  ),
  unsupported(
    'capacity reservation from multiple Ingress that do not conflict',
    'model_build_load_balancer_capacity_reservation_test.go: Test_defaultModelBuildTask_buildLoadBalancerMinimumCapacity',
    'minimum-load-balancer-capacity',
    { 'minimum-load-balancer-capacity': 'CapacityUnits=500' },
    { minimumLoadBalancerCapacity: { capacityUnits: 500 } },
    [notSupported('minimum-load-balancer-capacity')],
  ),
  unsupported(
    'one ingress configured',
    'model_build_ipam_test.go: Test_buildIPv4IPAMPoolID',
    'ipam-ipv4-pool-id',
    { 'ipam-ipv4-pool-id': 'foo' },
    { ipv4IPAMPoolId: 'foo' },
    [notSupported('ipam-ipv4-pool-id')],
  ),
  unsupported(
    'COIPv4 configured on standalone Ingress',
    'model_build_load_balancer_test.go: Test_defaultModelBuildTask_buildLoadBalancerCOIPv4Pool',
    'customer-owned-ipv4-pool',
    { 'customer-owned-ipv4-pool': 'my-ip-pool' },
    { customerOwnedIPv4Pool: 'my-ip-pool' },
    [notSupported('customer-owned-ipv4-pool')],
  ),
];
