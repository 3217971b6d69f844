/**
 * `model_build_tags_test.go`: user tags of the load balancer (Ingress and IngressClassParams) and of the
 * target groups (Ingress, Service and IngressClassParams). LBC's `externalManagedTags` is a controller
 * flag (`--external-managed-tags`); Albatross has none.
 */

import type { DesiredStack } from '../../../shared/model';
import type { ConformanceCase } from '../case';
import { cluster, ingress, rule, service, to, withClassParams } from '../fixtures';
import { type NStack, userTags } from '../neutral';

const file = 'model_build_tags_test.go';
const lbSource = `${file}: Test_defaultModelBuildTask_buildIngressResourceTags`;
const tgSource = `${file}: Test_defaultModelBuildTask_buildIngressBackendResourceTags`;
const TG = 'awesome-ns/awesome-ing-awesome-svc:http';

function objects(o: { ingressTags?: string; serviceTags?: string; classTags?: [string, string][] }) {
  const base = cluster({
    ingresses: [
      ingress('awesome-ns', 'awesome-ing', {
        annotations: o.ingressTags ? { tags: o.ingressTags } : {},
        rules: [rule(undefined, to('/', 'awesome-svc', 'http', 'Prefix'))],
      }),
    ],
    services: [
      service('awesome-ns', 'awesome-svc', [{ name: 'http', port: 80, targetPort: 8080, nodePort: 32768 }], {
        ...(o.serviceTags ? { annotations: { tags: o.serviceTags } } : {}),
      }),
    ],
  });
  return o.classTags
    ? withClassParams(base, { tags: o.classTags.map(([key, value]) => ({ key, value })) })
    : base;
}
const lbTags = (s: NStack) => s.loadBalancer.tags;
const tgTags = (s: NStack) => s.targetGroups[TG]?.tags;
const classDE: [string, string][] = [
  ['tag-d', 'value-d1'],
  ['tag-e', 'value-e'],
];
const EXTERNAL =
  'no --external-managed-tags flag: tag keys another tool manages are not reserved, so the annotation is taken';

export const TAG_CASES: ConformanceCase[] = [
  {
    name: 'non-empty annotation tags from Ingress - collision with external-managed tags',
    source: lbSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects({ ingressTags: 'tag-b=value-b,tag-c=value-c' }),
    lbc: {
      kind: 'error',
      lbc: 'failed build tags for Ingress awesome-ns/awesome-ing: external managed tag key tag-b cannot be specified',
      problems: [/tag-b/],
    },
    status: 'deviation',
    deviation: EXTERNAL,
    albatross: { kind: 'stack', select: lbTags, equals: { 'tag-b': 'value-b', 'tag-c': 'value-c' } },
  },
  {
    name: 'non-empty annotation tags from Ingress, non-empty IngressClass tags',
    source: lbSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects({ ingressTags: 'tag-c=value-c,tag-d=value-d', classTags: classDE }),
    lbc: {
      kind: 'stack',
      select: lbTags,
      equals: { 'tag-c': 'value-c', 'tag-d': 'value-d1', 'tag-e': 'value-e' },
    },
  },
  {
    name: 'empty tags from Ingress, empty tags from IngressClass',
    source: lbSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects({}),
    lbc: { kind: 'stack', select: lbTags, equals: {} },
  },

  {
    name: 'non-empty annotation tags from Ingress & Service - Service tags takes priority',
    source: tgSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects({
      ingressTags: 'tag-c=value-c,tag-d=value-d,tag-e=value-e',
      serviceTags: 'tag-c=value-c1,tag-d=value-d1',
    }),
    lbc: {
      kind: 'stack',
      select: tgTags,
      equals: { 'tag-c': 'value-c1', 'tag-d': 'value-d1', 'tag-e': 'value-e' },
    },
  },
  {
    name: 'non-empty annotation tags from Ingress - collision with external-managed tags',
    source: tgSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects({ ingressTags: 'tag-b=value-b,tag-c=value-c' }),
    lbc: {
      kind: 'error',
      lbc: 'failed build tags for Ingress awesome-ns/awesome-ing and Service awesome-ns/awesome-svc: external managed tag key tag-b cannot be specified',
      problems: [/tag-b/],
    },
    status: 'deviation',
    deviation: EXTERNAL,
    albatross: { kind: 'stack', select: tgTags, equals: { 'tag-b': 'value-b', 'tag-c': 'value-c' } },
  },
  {
    name: 'non-empty annotation tags from Ingress, non-empty IngressClass tags',
    source: tgSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects({ ingressTags: 'tag-c=value-c,tag-d=value-d', classTags: classDE }),
    lbc: {
      kind: 'stack',
      select: tgTags,
      equals: { 'tag-c': 'value-c', 'tag-d': 'value-d1', 'tag-e': 'value-e' },
    },
  },
  {
    name: 'non-empty annotation tags from Service, non-empty IngressClass tags',
    source: tgSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects({ serviceTags: 'tag-c=value-c,tag-d=value-d', classTags: classDE }),
    lbc: {
      kind: 'stack',
      select: tgTags,
      equals: { 'tag-c': 'value-c', 'tag-d': 'value-d1', 'tag-e': 'value-e' },
    },
  },
  {
    name: 'non-empty annotation tags from Ingress and Service, non-empty IngressClass tags',
    source: tgSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects({
      ingressTags: 'tag-c=value-c,tag-d=value-d, tag-f=value-f',
      serviceTags: 'tag-c=value-c,tag-d=value-d2',
      classTags: classDE,
    }),
    lbc: {
      kind: 'stack',
      select: tgTags,
      equals: { 'tag-c': 'value-c', 'tag-d': 'value-d1', 'tag-e': 'value-e', 'tag-f': 'value-f' },
    },
  },
  {
    name: 'empty tags from Ingress & Service, empty tags from IngressClass',
    source: tgSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects({}),
    lbc: { kind: 'stack', select: tgTags, equals: {} },
  },
];

// ---- User tags on every resource kind (LBC's buildLoadBalancerTags, buildManagedSecurityGroupTags,
// buildListenerTags, buildListenerRuleTags). `defaultTags` is LBC's `--default-tags` controller flag and
// `externalManagedTags` its `--external-managed-tags`; Albatross has neither.
type Kind = 'loadBalancer' | 'securityGroup' | 'listener' | 'rule';
const KIND_SOURCE: Record<Kind, string> = {
  loadBalancer: 'model_build_load_balancer_test.go: Test_defaultModelBuildTask_buildLoadBalancerTags',
  securityGroup: 'model_build_managed_sg_test.go: Test_defaultModelBuildTask_buildManagedSecurityGroupTags',
  listener: 'model_build_listener_test.go: Test_defaultModelBuildTask_buildListenerTags',
  rule: 'model_build_listener_rules_test.go: Test_defaultModelBuildTask_buildListenerRuleTags',
};
const tagsOf = (kind: Kind) => (_s: NStack, raw: DesiredStack) =>
  userTags(
    kind === 'loadBalancer'
      ? raw.loadBalancer.tags
      : kind === 'securityGroup'
        ? (raw.securityGroup?.tags ?? {})
        : kind === 'listener'
          ? (raw.listeners[0]?.tags ?? {})
          : (raw.listeners[0]?.rules[0]?.tags ?? {}),
  );
/** LBC's load-balancer and security-group tag tests use a group of two; listener and rule tests one Ingress. */
function tagged(kind: Kind, tags: string[]) {
  const grouped = kind === 'loadBalancer' || kind === 'securityGroup';
  const list = grouped ? tags : [tags.join(',')];
  return {
    stackId: grouped ? 'awesome-group' : 'awesome-ns/ing-0',
    objects: cluster({
      ingresses: list.map((t, i) =>
        ingress('awesome-ns', `ing-${i}`, {
          annotations: { ...(grouped ? { 'group.name': 'awesome-group' } : {}), ...(t ? { tags: t } : {}) },
          rules: [rule(undefined, to('/', 'awesome-svc', 'http', 'Prefix'))],
        }),
      ),
      services: [
        service('awesome-ns', 'awesome-svc', [{ name: 'http', port: 80, targetPort: 8080, nodePort: 32768 }]),
      ],
    }),
  };
}
const DEFAULT_TAGS = 'no --default-tags flag: only the annotations’ tags are applied';

function kindCases(kind: Kind): ConformanceCase[] {
  const source = KIND_SOURCE[kind];
  const grouped = kind === 'loadBalancer' || kind === 'securityGroup';
  const adapted = grouped ? { adapted: 'the two members LBC lists are members of group awesome-group' } : {};
  const select = tagsOf(kind);
  const k1k2 = grouped ? ['k1=v1', 'k2=v2'] : ['k1=v1,k2=v2'];
  const withK3 = grouped ? ['k1=v1,k3=v3a', 'k2=v2'] : ['k1=v1,k2=v2,k3=v3a'];
  const out: ConformanceCase[] = [
    {
      name: 'empty default tags, no tags annotation',
      source,
      ...tagged(kind, grouped ? ['', ''] : ['']),
      lbc: { kind: 'stack', select, equals: {} },
    },
    {
      name: 'empty default tags, non-empty tags annotation',
      source,
      ...adapted,
      ...tagged(kind, k1k2),
      lbc: { kind: 'stack', select, equals: { k1: 'v1', k2: 'v2' } },
    },
    {
      name: 'non-empty default tags, empty tags annotation',
      source,
      ...tagged(kind, grouped ? ['', ''] : ['']),
      lbc: { kind: 'stack', select, equals: { k3: 'v3', k4: 'v4' } },
      status: 'deviation',
      deviation: DEFAULT_TAGS,
      albatross: { kind: 'stack', select, equals: {} },
    },
    {
      name: 'non-empty default tags, non-empty tags annotation',
      source,
      ...adapted,
      ...tagged(kind, withK3),
      lbc: { kind: 'stack', select, equals: { k1: 'v1', k2: 'v2', k3: 'v3', k4: 'v4' } },
      status: 'deviation',
      deviation: DEFAULT_TAGS,
      albatross: { kind: 'stack', select, equals: { k1: 'v1', k2: 'v2', k3: 'v3a' } },
    },
  ];
  if (grouped)
    out.push(
      {
        name: 'empty default tags, conflicting tags annotation',
        source,
        ...adapted,
        ...tagged(kind, ['k1=v1,k3=v3a', 'k2=v2,k3=v3b']),
        lbc: {
          kind: 'error',
          lbc: 'conflicting tag k3: v3a | v3b',
          problems: [
            /ing-1: alb\.ingress\.kubernetes\.io\/tags: k3=v3b: expected k3=v3a to match awesome-ns\/ing-0/,
          ],
        },
      },
      {
        name: 'non empty external managed tags, no conflicts',
        source,
        ...adapted,
        ...tagged(kind, ['k1=v1', 'k2=v2']),
        lbc: { kind: 'stack', select, equals: { k1: 'v1', k2: 'v2' } },
      },
    );
  return out;
}

export const RESOURCE_TAG_CASES: ConformanceCase[] = (
  ['loadBalancer', 'securityGroup', 'listener', 'rule'] as const
).flatMap(kindCases);
