/**
 * `model_build_tags_test.go`: user tags of the load balancer (Ingress and IngressClassParams) and of the
 * target groups (Ingress, Service and IngressClassParams). LBC's `externalManagedTags` is a controller
 * flag (`--external-managed-tags`); Albatross has none.
 */
import type { ConformanceCase } from '../case';
import { cluster, ingress, rule, service, to, withClassParams } from '../fixtures';
import type { NStack } from '../neutral';

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
