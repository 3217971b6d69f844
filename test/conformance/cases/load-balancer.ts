/**
 * `model_build_load_balancer_test.go`, `model_build_load_balancer_attributes_test.go`,
 * `model_build_tags_test.go`: load-balancer name, IP address type, attributes and tags across a group.
 * Groups LBC assembles in code are explicit groups here; LBC's test gives two members the same
 * namespace/name, which one namespace cannot hold, so the second is `ing-2`.
 */
import type { ConformanceCase } from '../case';
import { cluster, ingress, rule, service, to, withClassParams } from '../fixtures';

const lbFile = 'model_build_load_balancer_test.go';
const nameSource = `${lbFile}: Test_defaultModelBuildTask_buildLoadBalancerName`;
const ipSource = `${lbFile}: Test_defaultModelBuildTask_buildLoadBalancerIPAddressType`;
const attrSource =
  'model_build_load_balancer_attributes_test.go: Test_defaultModelBuildTask_buildIngressGroupLoadBalancerAttributes';
const tagSource = 'model_build_tags_test.go: Test_defaultModelBuildTask_buildIngressGroupResourceTags';
const sameNameAdapted = 'the second member, a copy of awesome-ns/ing-1 in LBC, is awesome-ns/ing-2';

const svc = service('awesome-ns', 'svc', [{ name: 'http', port: 80, targetPort: 8080, nodePort: 32768 }]);
const member = (name: string, annotations: Record<string, string>) =>
  ingress('awesome-ns', name, { annotations, rules: [rule(undefined, to('/', 'svc', 'http', 'Prefix'))] });
const members = (...annotations: Record<string, string>[]) =>
  cluster({
    ingresses: annotations.map((a, i) => member(i === 0 ? 'ing-1' : `ing-${i + 1}`, a)),
    services: [svc],
  });

const classAttributes = (pairs: [string, string][]) => ({
  loadBalancerAttributes: pairs.map(([key, value]) => ({ key, value })),
});
const classAttrSource = attrSource;

export const LOAD_BALANCER_CASES: ConformanceCase[] = [
  {
    name: 'non-empty annotation attributes from single Ingress, non-empty IngressClass attributes - has overlap attributes',
    source: classAttrSource,
    stackId: 'awesome-ns/ing-1',
    objects: withClassParams(
      members({ 'load-balancer-attributes': 'idle_timeout.timeout_seconds=30' }),
      classAttributes([
        ['idle_timeout.timeout_seconds', '45'],
        ['access_logs.s3.enabled', 'true'],
      ]),
    ),
    lbc: {
      kind: 'stack',
      select: (s) => s.loadBalancer.attributes,
      equals: { 'idle_timeout.timeout_seconds': '45', 'access_logs.s3.enabled': 'true' },
    },
  },
  {
    name: 'non-empty annotation attributes from multiple Ingresses, non-empty IngressClass attributes - has overlap attributes',
    source: classAttrSource,
    adapted: sameNameAdapted,
    stackId: 'awesome-group',
    objects: withClassParams(
      members(
        { 'group.name': 'awesome-group', 'load-balancer-attributes': 'idle_timeout.timeout_seconds=30' },
        {
          'group.name': 'awesome-group',
          'load-balancer-attributes': 'idle_timeout.timeout_seconds=30, deletion_protection.enabled=true',
        },
      ),
      classAttributes([
        ['idle_timeout.timeout_seconds', '45'],
        ['access_logs.s3.enabled', 'true'],
      ]),
    ),
    lbc: {
      kind: 'stack',
      select: (s) => s.loadBalancer.attributes,
      equals: {
        'idle_timeout.timeout_seconds': '45',
        'access_logs.s3.enabled': 'true',
        'deletion_protection.enabled': 'true',
      },
    },
  },
  {
    name: 'non-empty annotation attributes from Ingress, non-empty IngressClass attributes - no overlap attributes',
    source: classAttrSource,
    stackId: 'awesome-ns/ing-1',
    objects: withClassParams(
      members({ 'load-balancer-attributes': 'deletion_protection.enabled=true' }),
      classAttributes([
        ['idle_timeout.timeout_seconds', '45'],
        ['access_logs.s3.enabled', 'true'],
      ]),
    ),
    lbc: {
      kind: 'stack',
      select: (s) => s.loadBalancer.attributes,
      equals: {
        'idle_timeout.timeout_seconds': '45',
        'access_logs.s3.enabled': 'true',
        'deletion_protection.enabled': 'true',
      },
    },
  },
  {
    name: 'non-empty annotation attributes from multiple Ingresses, non-empty IngressClass attributes - no overlap attributes',
    source: classAttrSource,
    adapted: sameNameAdapted,
    stackId: 'awesome-group',
    objects: withClassParams(
      members(
        { 'group.name': 'awesome-group', 'load-balancer-attributes': 'idle_timeout.timeout_seconds=30' },
        { 'group.name': 'awesome-group', 'load-balancer-attributes': 'deletion_protection.enabled=true' },
      ),
      classAttributes([['access_logs.s3.enabled', 'true']]),
    ),
    lbc: {
      kind: 'stack',
      select: (s) => s.loadBalancer.attributes,
      equals: {
        'access_logs.s3.enabled': 'true',
        'idle_timeout.timeout_seconds': '30',
        'deletion_protection.enabled': 'true',
      },
    },
  },
  {
    name: 'no annotation implicit group',
    source: nameSource,
    stackId: 'awesome-ns/ing-1',
    // LBC's name test runs with an empty cluster name.
    clusterName: '',
    objects: members({ scheme: 'internet-facing' }),
    lbc: { kind: 'stack', select: (s) => s.loadBalancer.name, equals: 'k8s-awesomen-ing1-43b698093c' },
  },
  {
    name: 'no annotation explicit group',
    source: nameSource,
    stackId: 'explicit-group',
    clusterName: '',
    objects: members({ 'group.name': 'explicit-group' }),
    lbc: { kind: 'stack', select: (s) => s.loadBalancer.name, equals: 'k8s-explicitgroup-5bf9e53c23' },
  },
  {
    name: 'name annotation',
    source: nameSource,
    stackId: 'awesome-ns/ing-1',
    objects: members({ 'load-balancer-name': 'foo', scheme: 'internet-facing' }),
    lbc: { kind: 'stack', select: (s) => s.loadBalancer.name, equals: 'foo' },
  },
  {
    name: 'name IngressClassParams',
    source: nameSource,
    stackId: 'awesome-ns/ing-1',
    objects: withClassParams(members({ 'load-balancer-name': 'name-2' }), { loadBalancerName: 'name-1' }),
    lbc: { kind: 'stack', select: (s) => s.loadBalancer.name, equals: 'name-1' },
    // The class value wins; the overridden annotation is named in a warning.
  },
  {
    name: 'trim name annotation',
    source: nameSource,
    stackId: 'awesome-ns/ing-1',
    objects: members({ 'load-balancer-name': 'bazbazfoofoobazbazfoofoobazbazfoo' }),
    lbc: {
      kind: 'error',
      lbc: 'load balancer name cannot be longer than 32 characters',
      problems: [/load-balancer-name: bazbazfoofoobazbazfoofoobazbazfoo: expected at most 32 characters/],
    },
  },
  {
    name: 'name annotation on single ingress only',
    source: nameSource,
    adapted: sameNameAdapted,
    stackId: 'bar',
    objects: members({ 'load-balancer-name': 'foo', 'group.name': 'bar' }, { 'group.name': 'bar' }),
    lbc: { kind: 'stack', select: (s) => s.loadBalancer.name, equals: 'foo' },
  },
  {
    name: 'conflicting name annotation',
    source: nameSource,
    adapted: sameNameAdapted,
    stackId: 'bar',
    objects: members(
      { 'load-balancer-name': 'foo', 'group.name': 'bar' },
      { 'load-balancer-name': 'baz', 'group.name': 'bar' },
    ),
    lbc: {
      kind: 'error',
      lbc: 'conflicting load balancer name: map[baz:{} foo:{}]',
      problems: [
        /ing-2: alb\.ingress\.kubernetes\.io\/load-balancer-name: baz: expected foo to match awesome-ns\/ing-1/,
      ],
    },
  },

  {
    name: 'No ip-address-type annotation set',
    source: ipSource,
    stackId: 'explicit-group',
    objects: members({ 'group.name': 'explicit-group' }),
    // LBC's step returns "" and the stack then says ipv4 (its base stack).
    lbc: { kind: 'stack', select: (s) => s.loadBalancer.ipAddressType, equals: 'ipv4' },
  },
  {
    name: 'The ip-address-type annotation is set to ipv4',
    source: ipSource,
    stackId: 'explicit-group',
    objects: members({ 'group.name': 'explicit-group', 'ip-address-type': 'ipv4' }),
    lbc: { kind: 'stack', select: (s) => s.loadBalancer.ipAddressType, equals: 'ipv4' },
  },
  {
    name: 'The ip-address-type annotation is set to dualstack',
    source: ipSource,
    stackId: 'explicit-group',
    objects: members({ 'group.name': 'explicit-group', 'ip-address-type': 'dualstack' }),
    lbc: { kind: 'stack', select: (s) => s.loadBalancer.ipAddressType, equals: 'dualstack' },
  },
  {
    name: 'The ip-address-type annotation is set to dualstack-without-public-ipv4',
    source: ipSource,
    stackId: 'explicit-group',
    objects: members({
      'group.name': 'explicit-group',
      'ip-address-type': 'dualstack-without-public-ipv4',
      scheme: 'internet-facing',
    }),
    lbc: {
      kind: 'stack',
      select: (s) => s.loadBalancer.ipAddressType,
      equals: 'dualstack-without-public-ipv4',
    },
    status: 'unsupported',
    unsupported: 'ip-address-type dualstack-without-public-ipv4',
    albatross: {
      kind: 'error',
      problems: [/ip-address-type: dualstack-without-public-ipv4: expected one of ipv4, dualstack/],
    },
  },

  {
    name: 'attributes from multiple Ingress that do not conflict',
    source: attrSource,
    adapted: sameNameAdapted,
    stackId: 'awesome-group',
    objects: members(
      { 'group.name': 'awesome-group', 'load-balancer-attributes': 'idle_timeout.timeout_seconds=60' },
      { 'group.name': 'awesome-group', 'load-balancer-attributes': 'deletion_protection.enabled=false' },
    ),
    lbc: {
      kind: 'stack',
      select: (s) => s.loadBalancer.attributes,
      equals: { 'idle_timeout.timeout_seconds': '60', 'deletion_protection.enabled': 'false' },
    },
  },
  {
    name: 'attributes from multiple Ingress that conflict',
    source: attrSource,
    adapted: sameNameAdapted,
    stackId: 'awesome-group',
    objects: members(
      {
        'group.name': 'awesome-group',
        'load-balancer-attributes': 'idle_timeout.timeout_seconds=60, deletion_protection.enabled=true',
      },
      { 'group.name': 'awesome-group', 'load-balancer-attributes': 'deletion_protection.enabled=false' },
    ),
    lbc: {
      kind: 'error',
      lbc: 'conflicting load balancer attributes deletion_protection.enabled: true | false',
      problems: [
        /ing-2: alb\.ingress\.kubernetes\.io\/load-balancer-attributes: deletion_protection\.enabled=false: expected deletion_protection\.enabled=true to match/,
      ],
    },
  },

  {
    name: "tags from multiple Ingress didn't collision",
    source: tagSource,
    adapted: sameNameAdapted,
    stackId: 'awesome-group',
    objects: members(
      { 'group.name': 'awesome-group', tags: 'tag-c=value-c,tag-d=value-d' },
      { 'group.name': 'awesome-group', tags: 'tag-d=value-d,tag-e=value-e' },
    ),
    lbc: {
      kind: 'stack',
      select: (s) => s.loadBalancer.tags,
      equals: { 'tag-c': 'value-c', 'tag-d': 'value-d', 'tag-e': 'value-e' },
    },
  },
  {
    name: 'tags from multiple Ingress has collision',
    source: tagSource,
    adapted: sameNameAdapted,
    stackId: 'awesome-group',
    objects: members(
      { 'group.name': 'awesome-group', tags: 'tag-c=value-c,tag-d=value-d' },
      { 'group.name': 'awesome-group', tags: 'tag-d=value-d1,tag-e=value-e' },
    ),
    lbc: {
      kind: 'error',
      lbc: 'conflicting tag tag-d: value-d | value-d1',
      problems: [
        /ing-2: alb\.ingress\.kubernetes\.io\/tags: tag-d=value-d1: expected tag-d=value-d to match/,
      ],
    },
  },
];
