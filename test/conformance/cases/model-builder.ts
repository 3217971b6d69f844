/** `Test_defaultModelBuilder_Build`: whole stacks, as merge patches over LBC's base stack. */
import type { ConformanceCase } from '../case';
import {
  baseRules,
  baseStack,
  baseStackWith,
  cluster,
  ingress,
  instanceTg,
  rule,
  svc1,
  svc2,
  svc3,
  svc3Tg,
  svcIpv6,
  svcNamedTargetPort,
  tableCluster,
  to,
  withClassParams,
} from '../fixtures';
import { defaultHealthCheck, fixed404, forward, host, type NStack, path, rules } from '../neutral';

const source = 'model_builder_test.go: Test_defaultModelBuilder_Build';
/** LBC's test account id has 7 digits; Albatross accepts only well-formed ACM ARNs. */
const cert = (id: string) => `arn:aws:acm:us-east-1:999999999999:certificate/${id}`;
const lbcCert = (id: string) => `arn:aws:acm:us-east-1:9999999:certificate/${id}`;
/** LBC's test puts an annotation line into the field; it passes through LBC's builder as it is. */
const LBC_WAF_VALUE =
  'alb.ingress.kubernetes.io/wafv2-acl-arn: arn:aws:wafv2:us-west-2:xxxxx:regional/webacl/xxxxxxx/3ab78708-85b0-49d3-b4e1-7a9615a6613b';
const ADAPTED_ARN = 'ACM ARNs with a 12-digit account id (LBC writes 9999999)';

const internetFacing = (s: NStack) => {
  s.loadBalancer.scheme = 'internet-facing';
  s.loadBalancer.name = 'k8s-ns1-ing1-159dd7a143';
};
/** The base stack's rules moved from HTTP :80 to HTTPS :443. */
const httpsOnly =
  (certificates: string[], sslPolicy = 'ELBSecurityPolicy-2016-08') =>
  (s: NStack) => {
    s.securityGroup = { name: 'k8s-ns1-ing1-bd83176788', ingress: ['443 0.0.0.0/0'] };
    s.listeners = [
      { port: 443, protocol: 'HTTPS', sslPolicy, certificates, defaultAction: fixed404, rules: baseRules },
    ];
  };
const onlyTargetGroup = (id: string, tg: NStack['targetGroups'][string]) => (s: NStack) => {
  s.targetGroups = { [id]: tg };
};

export const MODEL_BUILDER_CASES: ConformanceCase[] = [
  {
    name: 'Ingress - vanilla internal',
    source,
    objects: tableCluster(),
    lbc: { kind: 'stack', equals: baseStack() },
  },
  {
    name: 'Ingress - backend SG feature disabled',
    source,
    objects: tableCluster(),
    // LBC, flag off: the LB has only its managed SG. Inputs are those of the vanilla case.
    lbc: { kind: 'stack', equals: baseStack() },
    status: 'deviation',
    deviation:
      'LBC switches the shared backend security group off with a controller flag; Albatross has no such flag (the backend SG is the reconciler’s, SPEC §6.5)',
    albatross: { kind: 'stack', equals: baseStack() },
  },
  {
    name: 'Ingress - vanilla internet-facing',
    source,
    objects: tableCluster({ scheme: 'internet-facing' }),
    lbc: { kind: 'stack', equals: baseStackWith(internetFacing) },
  },
  {
    name: 'Ingress - using acm and internet-facing case with the same acm certificate for default and sni listener',
    source,
    adapted: ADAPTED_ARN,
    objects: tableCluster({
      scheme: 'internet-facing',
      'certificate-arn': [cert('11111111'), cert('33333333'), cert('22222222'), '', cert('11111111')].join(
        ',',
      ),
      'mutual-authentication': '[{"port":443,"mode":"off"}]',
    }),
    lbc: {
      kind: 'stack',
      equals: baseStackWith((s) => {
        internetFacing(s);
        // The default certificate listed again stays in the SNI list too.
        httpsOnly([cert('11111111'), cert('33333333'), cert('22222222'), cert('11111111')])(s);
      }),
    },
  },
  {
    name: 'Ingress - using acm and internet-facing',
    source,
    adapted: ADAPTED_ARN,
    objects: tableCluster({
      scheme: 'internet-facing',
      'certificate-arn': [cert('22222222'), cert('33333333'), cert('11111111'), '', cert('11111111')].join(
        ',',
      ),
      'mutual-authentication': '[{"port":443,"mode":"off"}]',
    }),
    lbc: {
      kind: 'stack',
      equals: baseStackWith((s) => {
        internetFacing(s);
        httpsOnly([cert('22222222'), cert('33333333'), cert('11111111')])(s);
      }),
      // mode "off" is LBC's default; Albatross ignores the annotation and says so.
      warnings: [/mutual-authentication.*not supported by Albatross/],
    },
  },
  {
    name: 'Ingress - referenced same service port with both name and port',
    source,
    objects: tableCluster({}, [
      rule('app-1.example.com', to('/svc-1-name', 'svc-1', 'http'), to('/svc-1-port', 'svc-1', 80)),
    ]),
    lbc: {
      kind: 'stack',
      equals: baseStackWith((s) => {
        s.listeners[0]!.rules = rules(
          [[host('app-1.example.com'), path('/svc-1-name')], forward('ns-1/ing-1-svc-1:http')],
          [[host('app-1.example.com'), path('/svc-1-port')], forward('ns-1/ing-1-svc-1:80')],
        );
        s.targetGroups = { 'ns-1/ing-1-svc-1:80': instanceTg, 'ns-1/ing-1-svc-1:http': instanceTg };
      }),
    },
  },
  {
    name: 'Ingress - inboundCIDRs in IngressClassParams',
    source,
    objects: withClassParams(tableCluster({ 'inbound-cidrs': '20.0.0.0/8' }), {
      inboundCIDRs: ['10.0.0.0/8', '172.16.0.0/12'],
    }),
    lbc: {
      kind: 'stack',
      equals: baseStackWith((s) => {
        s.securityGroup = { name: 'k8s-ns1-ing1-bd83176788', ingress: ['80 10.0.0.0/8', '80 172.16.0.0/12'] };
      }),
    },
  },
  {
    name: 'Ingress - ssl-policy in IngressClassParams',
    source,
    adapted: ADAPTED_ARN,
    objects: withClassParams(
      tableCluster({ 'certificate-arn': cert('11111111'), 'ssl-policy': 'annotated-ssl-policy' }),
      { sslPolicy: 'ingress-class-policy' },
    ),
    lbc: { kind: 'stack', equals: baseStackWith(httpsOnly([cert('11111111')], 'ingress-class-policy')) },
  },
  {
    name: 'Ingress - certificate-arn in IngressClassParams',
    source,
    adapted: ADAPTED_ARN,
    objects: withClassParams(tableCluster({ 'certificate-arn': cert('annotated-certificate-arn') }), {
      certificateArn: [cert('ingress-class-certificate-arn')],
    }),
    lbc: { kind: 'stack', equals: baseStackWith(httpsOnly([cert('ingress-class-certificate-arn')])) },
  },
  {
    name: 'Ingress - target-type in IngressClassParams',
    source,
    objects: withClassParams(tableCluster({ 'target-type': 'instance' }), { targetType: 'ip' }),
    lbc: {
      kind: 'stack',
      equals: baseStackWith((s) => {
        // The class wins over the Ingress and over svc-2's own target-type: instance.
        const ip = { ...instanceTg, targetType: 'ip' as const, port: 8080 };
        s.targetGroups = {
          'ns-1/ing-1-svc-1:http': ip,
          'ns-1/ing-1-svc-2:http': ip,
          'ns-1/ing-1-svc-3:https': svc3Tg,
        };
      }),
    },
  },
  {
    name: 'Ingress - wafv2AclArn in IngressClassParams',
    source,
    objects: withClassParams(tableCluster(), { wafv2AclArn: LBC_WAF_VALUE }),
    lbc: {
      kind: 'stack',
      equals: baseStackWith((s) => {
        s.loadBalancer.wafv2AclArn = LBC_WAF_VALUE;
      }),
    },
    status: 'deviation',
    deviation: 'malformed WAFv2 ARNs are denied where LBC takes any string (and AWS fails later)',
    albatross: {
      kind: 'error',
      problems: [/IngressClassParams alb-params spec\.wafv2AclArn: .*expected a WAFv2 regional WebACL ARN/],
    },
  },
  {
    name: 'Ingress - ingress with managed prefix list in IngressClassParam',
    source,
    objects: withClassParams(tableCluster({ 'security-group-prefix-lists': 'pl-00000000' }), {
      prefixListsIDs: ['pl-11111111', 'pl-22222222'],
    }),
    lbc: {
      kind: 'stack',
      select: (s) => s.securityGroup?.ingress,
      equals: ['80 pl-11111111', '80 pl-22222222'],
    },
    status: 'unsupported',
    unsupported: 'prefix lists (IngressClassParams prefixListsIDs, security-group-prefix-lists)',
    albatross: {
      kind: 'stack',
      select: (s) => s.securityGroup?.ingress,
      equals: ['80 0.0.0.0/0'],
      warnings: [
        /spec\.prefixListsIDs is not supported by Albatross/,
        /security-group-prefix-lists is not supported/,
      ],
    },
  },
  {
    name: 'Ingress - ingress with managed prefix list in IngressClassParam - input PrefixListsIDsLegacy',
    source,
    objects: withClassParams(tableCluster({ 'security-group-prefix-lists': 'pl-00000000' }), {
      PrefixListsIDs: ['pl-11111111', 'pl-22222222'],
    }),
    lbc: {
      kind: 'stack',
      select: (s) => s.securityGroup?.ingress,
      equals: ['80 pl-11111111', '80 pl-22222222'],
    },
    status: 'unsupported',
    unsupported: 'prefix lists (IngressClassParams prefixListsIDs, security-group-prefix-lists)',
    albatross: {
      kind: 'stack',
      select: (s) => s.securityGroup?.ingress,
      equals: ['80 0.0.0.0/0'],
      warnings: [
        /spec\.PrefixListsIDs is not supported by Albatross/,
        /security-group-prefix-lists is not supported/,
      ],
    },
  },
  {
    name: 'Ingress - not using subnet auto-discovery and internal',
    source,
    // LBC finds the stack's existing LB by its tags and keeps its subnets; Albatross's reconciler does
    // the same (SPEC §6.3), so the model of both says "discovered".
    objects: tableCluster(),
    lbc: { kind: 'stack', equals: baseStack() },
  },
  {
    name: 'Ingress - deletion protection enabled error',
    source,
    stackId: 'default/hello-ingress',
    objects: cluster({
      ingresses: [
        {
          ...ingress('default', 'hello-ingress', {
            annotations: { 'load-balancer-attributes': 'deletion_protection.enabled=true' },
          }),
          metadata: {
            namespace: 'default',
            name: 'hello-ingress',
            annotations: {
              'kubernetes.io/ingress.class': 'alb',
              'alb.ingress.kubernetes.io/load-balancer-attributes': 'deletion_protection.enabled=true',
            },
            finalizers: ['ingress.k8s.aws/resources'],
            deletionTimestamp: new Date('2026-01-01T00:00:00Z'),
          },
        },
      ],
    }),
    lbc: {
      kind: 'error',
      lbc: 'deletion_protection is enabled, cannot delete the ingress: hello-ingress',
      problems: [/deletion_protection/],
    },
  },
  {
    name: 'Ingress - with SG annotation',
    source,
    objects: tableCluster(
      { 'security-groups': 'sg-manual', scheme: 'internet-facing', 'target-type': 'instance' },
      [rule('app-2.example.com', to('/svc-3', 'svc-3', 'https'))],
    ),
    lbc: {
      kind: 'stack',
      equals: baseStackWith((s) => {
        internetFacing(s);
        s.loadBalancer.securityGroups = ['sg-manual'];
        s.securityGroup = null;
        s.listeners[0]!.rules = rules([
          [host('app-2.example.com'), path('/svc-3')],
          forward('ns-1/ing-1-svc-3:https'),
        ]);
        s.targetGroups = { 'ns-1/ing-1-svc-3:https': baseStack().targetGroups['ns-1/ing-1-svc-3:https']! };
      }),
    },
  },
  {
    name: 'Ingress - with SG annotation, backend SG feature disabled, managed backend sg set to true',
    source,
    objects: tableCluster(
      {
        'security-groups': 'sg-manual',
        scheme: 'internet-facing',
        'target-type': 'instance',
        'manage-backend-security-group-rules': 'true',
      },
      [rule('app-2.example.com', to('/svc-3', 'svc-3', 'https'))],
    ),
    lbc: {
      kind: 'error',
      lbc: 'backendSG feature is required to manage worker node SG rules when frontendSG manually specified',
      problems: [/manage-backend-security-group-rules/],
    },
    status: 'deviation',
    deviation:
      'LBC refuses this only because its backend-SG controller flag is off; Albatross has no such flag, so it keeps the explicit security groups and the reconciler adds the backend SG and the target rules',
    albatross: {
      kind: 'stack',
      select: (s) => s.loadBalancer.securityGroups,
      equals: ['sg-manual'],
    },
  },
  {
    name: 'Ingress with IPv6 service',
    source,
    objects: cluster({
      ingresses: [
        ingress('ns-1', 'ing-1', {
          annotations: { 'target-type': 'ip', 'ip-address-type': 'dualstack' },
          rules: [rule(undefined, to('/', 'svc-ipv6', 'https'))],
        }),
      ],
      services: [svc1, svc2, svc3, svcIpv6],
    }),
    lbc: {
      kind: 'stack',
      equals: baseStackWith((s) => {
        s.loadBalancer.ipAddressType = 'dualstack';
        s.securityGroup = { name: 'k8s-ns1-ing1-bd83176788', ingress: ['80 0.0.0.0/0', '80 ::/0'] };
        s.listeners[0]!.rules = rules([[path('/')], forward('ns-1/ing-1-svc-ipv6:https')]);
        s.targetGroups = {
          'ns-1/ing-1-svc-ipv6:https': {
            ...instanceTg,
            targetType: 'ip',
            ipAddressType: 'ipv6',
            port: 8443,
            healthCheck: defaultHealthCheck,
          },
        };
      }),
    },
  },
  {
    name: 'Ingress with IPv6 service but not dualstack',
    source,
    objects: cluster({
      ingresses: [
        ingress('ns-1', 'ing-1', {
          annotations: { 'target-type': 'ip' },
          rules: [rule(undefined, to('/', 'svc-ipv6', 'https'))],
        }),
      ],
      services: [svc1, svc2, svc3, svcIpv6],
    }),
    lbc: {
      kind: 'error',
      lbc: 'ingress: ns-1/ing-1: unsupported IPv6 configuration, lb not dual-stack',
      problems: [/dualstack/],
    },
  },
  {
    name: 'target type IP with enableIPTargetType set to false',
    source,
    objects: cluster({
      ingresses: [
        ingress('ns-1', 'ing-1', {
          annotations: { 'target-type': 'ip' },
          rules: [rule(undefined, to('/', 'svc-named-targetport', 'https'))],
        }),
      ],
      services: [svc1, svc2, svc3, svcNamedTargetPort],
    }),
    lbc: {
      kind: 'error',
      lbc: 'ingress: ns-1/ing-1: unsupported targetType: ip when EnableIPTargetType is false',
      problems: [/target-type/],
    },
    status: 'deviation',
    deviation: 'LBC can forbid ip targets with a controller flag; Albatross always allows them',
    albatross: {
      kind: 'stack',
      select: (s) => s.targetGroups['ns-1/ing-1-svc-named-targetport:https']?.targetType,
      equals: 'ip',
    },
  },
  {
    name: 'target type IP with named target port',
    source,
    objects: cluster({
      ingresses: [
        ingress('ns-1', 'ing-1', {
          annotations: { 'target-type': 'ip' },
          rules: [rule(undefined, to('/', 'svc-named-targetport', 'https'))],
        }),
      ],
      services: [svc1, svc2, svc3, svcNamedTargetPort],
    }),
    lbc: {
      kind: 'stack',
      equals: baseStackWith((s) => {
        s.listeners[0]!.rules = rules([[path('/')], forward('ns-1/ing-1-svc-named-targetport:https')]);
        onlyTargetGroup('ns-1/ing-1-svc-named-targetport:https', {
          ...instanceTg,
          targetType: 'ip',
          port: 1,
        })(s);
      }),
    },
  },
  {
    name: 'default target type IP with named target port',
    source,
    objects: cluster({
      ingresses: [
        ingress('ns-1', 'ing-1', { rules: [rule(undefined, to('/', 'svc-named-targetport', 'https'))] }),
      ],
      services: [svc1, svc2, svc3, svcNamedTargetPort],
    }),
    // LBC runs with --default-target-type=ip here.
    lbc: {
      kind: 'stack',
      equals: baseStackWith((s) => {
        s.listeners[0]!.rules = rules([[path('/')], forward('ns-1/ing-1-svc-named-targetport:https')]);
        onlyTargetGroup('ns-1/ing-1-svc-named-targetport:https', {
          ...instanceTg,
          targetType: 'ip',
          port: 1,
        })(s);
      }),
    },
    status: 'deviation',
    deviation: 'no controller-wide default target type: without the annotation the target type is instance',
    albatross: {
      kind: 'stack',
      select: (s) => s.targetGroups['ns-1/ing-1-svc-named-targetport:https'],
      equals: { ...instanceTg, port: 32768 },
    },
  },
  {
    name: 'Ingress - default IPv4 CIDR when no IP range',
    source,
    objects: withClassParams(tableCluster(), {}),
    lbc: { kind: 'stack', select: (s) => s.securityGroup?.ingress, equals: ['80 0.0.0.0/0'] },
  },
  {
    name: 'Ingress - default dualstack CIDR when no IP range',
    source,
    objects: withClassParams(tableCluster({ 'ip-address-type': 'dualstack' }), {}),
    lbc: {
      kind: 'stack',
      equals: baseStackWith((s) => {
        s.loadBalancer.ipAddressType = 'dualstack';
        s.securityGroup = { name: 'k8s-ns1-ing1-bd83176788', ingress: ['80 0.0.0.0/0', '80 ::/0'] };
      }),
    },
  },
  {
    name: 'Ingress - ingress with managed prefix list',
    source,
    objects: tableCluster({ 'security-group-prefix-lists': 'pl-00000000' }),
    lbc: { kind: 'stack', select: (s) => s.securityGroup?.ingress, equals: ['80 pl-00000000'] },
    status: 'unsupported',
    unsupported: 'security-group-prefix-lists',
    albatross: {
      kind: 'stack',
      select: (s) => s.securityGroup?.ingress,
      equals: ['80 0.0.0.0/0'],
      warnings: [/security-group-prefix-lists is not supported by Albatross/],
    },
  },
  {
    name: 'Ingress - ingress mixed ip address & managed prefix list',
    source,
    objects: tableCluster({
      'inbound-cidrs': '20.45.16.0/26',
      'security-group-prefix-lists': 'pl-00000000',
    }),
    lbc: {
      kind: 'stack',
      select: (s) => s.securityGroup?.ingress,
      equals: ['80 20.45.16.0/26', '80 pl-00000000'],
    },
    status: 'unsupported',
    unsupported: 'security-group-prefix-lists',
    albatross: {
      kind: 'stack',
      select: (s) => s.securityGroup?.ingress,
      equals: ['80 20.45.16.0/26'],
      warnings: [/security-group-prefix-lists is not supported by Albatross/],
    },
  },
  {
    name: 'Ingress - vanilla with default-load-balancer-scheme internet-facing',
    source,
    objects: tableCluster(),
    // LBC runs with --default-load-balancer-scheme=internet-facing here.
    lbc: { kind: 'stack', equals: baseStackWith(internetFacing) },
    status: 'deviation',
    deviation: 'no controller-wide default scheme: without the annotation the scheme is internal',
    albatross: { kind: 'stack', equals: baseStack() },
  },
];

const LBC_TG_NAMES: Record<string, string> = {
  'ns-1/ing-1-svc-1:http': 'k8s-ns1-svc1-9889425938',
  'ns-1/ing-1-svc-2:http': 'k8s-ns1-svc2-9889425938',
  'ns-1/ing-1-svc-3:https': 'k8s-ns1-svc3-bf42870fba',
};

/** The vanilla case once more, for the target-group names LBC's base stack carries. */
export const TARGET_GROUP_NAMES_CASE: ConformanceCase = {
  name: 'Ingress - vanilla internal',
  source: `${source} (target-group names)`,
  objects: tableCluster(),
  lbc: {
    kind: 'stack',
    select: (_s, raw) => Object.fromEntries(raw.targetGroups.map((t) => [t.resourceId, t.name])),
    equals: LBC_TG_NAMES,
  },
  status: 'deviation',
  deviation:
    'target-group names of Services without a UID: LBC hashes the empty UID, Albatross the Service’s namespace/name, so Services whose names share their first 8 characters still get distinct names',
  albatross: {
    kind: 'stack',
    select: (_s, raw) => {
      const hashes = raw.targetGroups.map((t) => t.name.slice(-10));
      return {
        prefixes: raw.targetGroups.map((t) => t.name.slice(0, -10)),
        distinctHashes: new Set(hashes).size,
        sameAsLbc: raw.targetGroups.filter((t) => LBC_TG_NAMES[t.resourceId] === t.name).length,
      };
    },
    equals: {
      prefixes: ['k8s-ns1-svc1-', 'k8s-ns1-svc2-', 'k8s-ns1-svc3-'],
      distinctHashes: 3,
      sameAsLbc: 0,
    },
  },
};

/** The same table's certificate inputs verbatim: LBC takes any string as an ARN. */
export const MALFORMED_ARN_CASE: ConformanceCase = {
  name: 'Ingress - using acm and internet-facing',
  source: `${source} (ARNs verbatim)`,
  objects: tableCluster({
    scheme: 'internet-facing',
    'certificate-arn': [
      lbcCert('22222222'),
      lbcCert('33333333'),
      lbcCert('11111111'),
      '',
      lbcCert('11111111'),
    ].join(','),
  }),
  lbc: {
    kind: 'stack',
    equals: baseStackWith((s) => {
      internetFacing(s);
      httpsOnly([lbcCert('22222222'), lbcCert('33333333'), lbcCert('11111111')])(s);
    }),
  },
  status: 'deviation',
  deviation: 'malformed ACM ARNs are denied at admission where LBC takes any string (and AWS fails later)',
  albatross: { kind: 'error', problems: [/certificate-arn: .*9999999.*expected ACM certificate ARNs/] },
};
