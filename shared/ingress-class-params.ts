/**
 * IngressClassParams (`elbv2.k8s.aws/v1beta1`, the LBC's resource): its spec read into the same settings
 * the annotations produce, each value validated exactly as the matching annotation is, so the builder
 * applies a class's settings with no second set of rules. Pure.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import * as z from 'zod';
import { ANNOTATIONS } from './annotations/keys';
import type { IngressSettings } from './annotations/types';
import { type LabelSelector, selectorProblem } from './label-selector';
import type { FieldProblem } from './problems';

export const PARAMS_API_GROUP = 'elbv2.k8s.aws';
export const PARAMS_KIND = 'IngressClassParams';

/** As stored in the cluster state; the spec is read (and checked) by `parseClassParams`. */
export interface IngressClassParamsObject extends KubernetesObject {
  spec?: unknown;
}

/** The settings a class may impose (annotation terms); never actions or conditions. */
export type ClassSettings = Omit<
  Partial<IngressSettings>,
  'actions' | 'conditions' | 'groupOrder' | 'defaultCertificateInSni'
>;
export type ClassSettingKey = keyof ClassSettings;

export interface ClassParams {
  name: string;
  namespaceSelector?: LabelSelector;
  settings: ClassSettings;
  /** The spec field each setting came from, as messages name it (`IngressClassParams <name> spec.scheme`). */
  sources: Partial<Record<ClassSettingKey, string>>;
}

export interface ParsedClassParams {
  value: ClassParams;
  /** Denials of the Ingresses using the class: `field` is `IngressClassParams <name> spec.<path>`. */
  problems: FieldProblem[];
  warnings: string[];
}

const Pair = z.object({ key: z.string(), value: z.string() });
const Spec = z.looseObject({
  namespaceSelector: z
    .object({
      matchLabels: z.record(z.string(), z.string()).nullish(),
      matchExpressions: z
        .array(
          z.object({
            key: z.string(),
            operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
            values: z.array(z.string()).nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
  group: z.object({ name: z.string() }).nullish(),
  scheme: z.string().nullish(),
  ipAddressType: z.string().nullish(),
  subnets: z
    .object({
      ids: z.array(z.string()).nullish(),
      tags: z.record(z.string(), z.array(z.string())).nullish(),
    })
    .nullish(),
  tags: z.array(Pair).nullish(),
  loadBalancerAttributes: z.array(Pair).nullish(),
  loadBalancerName: z.string().nullish(),
  certificateArn: z.array(z.string()).nullish(),
  sslPolicy: z.string().nullish(),
  sslRedirectPort: z.string().nullish(),
  inboundCIDRs: z.array(z.string()).nullish(),
  targetType: z.string().nullish(),
  wafv2AclArn: z.string().nullish(),
});

/** Fields of the LBC's type that Albatross does not honour yet: kept, warned about, ignored. */
const NOT_HONOURED = new Set([
  'listeners',
  'minimumLoadBalancerCapacity',
  'ipamConfiguration',
  'prefixListsIDs',
  'PrefixListsIDs',
  'wafv2AclName',
]);
const KNOWN = new Set([...Object.keys(Spec.shape), ...NOT_HONOURED]);

/**
 * Spec field → the annotation whose parser checks it and fills the setting. Empty strings and empty
 * lists mean "not set", as the LBC reads them.
 */
const SCALARS: readonly { field: string; annotation: string; key: ClassSettingKey }[] = [
  { field: 'scheme', annotation: 'scheme', key: 'scheme' },
  { field: 'ipAddressType', annotation: 'ip-address-type', key: 'ipAddressType' },
  { field: 'loadBalancerName', annotation: 'load-balancer-name', key: 'loadBalancerName' },
  { field: 'sslPolicy', annotation: 'ssl-policy', key: 'sslPolicy' },
  { field: 'sslRedirectPort', annotation: 'ssl-redirect', key: 'sslRedirect' },
  { field: 'targetType', annotation: 'target-type', key: 'targetType' },
  { field: 'wafv2AclArn', annotation: 'wafv2-acl-arn', key: 'wafv2AclArn' },
];
const LISTS: readonly { field: string; annotation: string; key: ClassSettingKey }[] = [
  { field: 'certificateArn', annotation: 'certificate-arn', key: 'certificateArns' },
  { field: 'inboundCIDRs', annotation: 'inbound-cidrs', key: 'inboundCidrs' },
];

export const paramsField = (name: string, path: string) => `${PARAMS_KIND} ${name} spec.${path}`;

const cache = new WeakMap<IngressClassParamsObject, ParsedClassParams>();

/** Reads one IngressClassParams; cached per object (informers hand out a new object on each change). */
export function parseClassParams(o: IngressClassParamsObject): ParsedClassParams {
  let r = cache.get(o);
  if (!r) {
    r = parseUncached(o);
    cache.set(o, r);
  }
  return r;
}

function parseUncached(o: IngressClassParamsObject): ParsedClassParams {
  const name = o.metadata?.name ?? '';
  const field = (path: string) => paramsField(name, path);
  const value: ClassParams = { name, settings: {}, sources: {} };
  const problems: FieldProblem[] = [];
  const warnings: string[] = [];
  const raw = o.spec ?? {};
  const shape = Spec.safeParse(raw);
  if (!shape.success) {
    for (const issue of shape.error.issues) {
      const path = issue.path.map(String).join('.');
      problems.push({ field: field(path), value: shown(valueAt(raw, issue.path)), expected: issue.message });
    }
    return { value, problems, warnings };
  }
  const spec = shape.data;
  for (const k of Object.keys(spec)) {
    if (NOT_HONOURED.has(k)) {
      if (!isEmpty((spec as Record<string, unknown>)[k]))
        warnings.push(`${field(k)} is not supported by Albatross yet; it is ignored`);
    } else if (!KNOWN.has(k)) warnings.push(`${field(k)} is not a field of ${PARAMS_KIND}; it is ignored`);
  }

  // Each value goes through its annotation's parser into a scratch settings object.
  const into: IngressSettings = { actions: {}, conditions: {} };
  const apply = (path: string, annotation: string, key: ClassSettingKey, text: string) => {
    const expected = ANNOTATIONS[annotation]!.apply(text, into);
    if (expected !== undefined) problems.push({ field: field(path), value: shown(text), expected });
    else value.sources[key] = field(path);
  };
  const specRecord = spec as Record<string, unknown>;
  for (const s of SCALARS) {
    const v = specRecord[s.field];
    if (typeof v === 'string' && v !== '') {
      if (s.field === 'ipAddressType' && v === 'dualstack-without-public-ipv4')
        problems.push({
          field: field(s.field),
          value: v,
          expected: 'ipv4 or dualstack (dualstack-without-public-ipv4 is not supported by Albatross yet)',
        });
      else apply(s.field, s.annotation, s.key, v);
    }
  }
  for (const s of LISTS) {
    const v = specRecord[s.field];
    if (Array.isArray(v) && v.length > 0) apply(s.field, s.annotation, s.key, v.join(','));
  }
  if (spec.group?.name) apply('group.name', 'group.name', 'groupName', spec.group.name);
  if (spec.subnets) {
    const { ids, tags } = spec.subnets;
    if (ids?.length && tags && Object.keys(tags).length)
      problems.push({
        field: field('subnets'),
        value: 'ids and tags',
        expected: 'exactly one of ids or tags',
      });
    else if (ids?.length) apply('subnets.ids', 'subnets', 'subnets', ids.join(','));
    else if (tags && Object.keys(tags).length)
      problems.push({
        field: field('subnets.tags'),
        value: shown(JSON.stringify(tags)),
        expected: 'subnets.ids (subnet selection by tags is not supported by Albatross yet)',
      });
  }
  if (spec.tags?.length) {
    spec.tags.forEach((t, i) => {
      const one: IngressSettings = { actions: {}, conditions: {} };
      const expected = ANNOTATIONS.tags!.apply(`${t.key}=${t.value}`, one);
      if (expected !== undefined)
        problems.push({ field: field(`tags[${i}]`), value: shown(`${t.key}=${t.value}`), expected });
      else into.tags = { ...into.tags, [t.key]: t.value };
    });
    if (into.tags) value.sources.tags = field('tags');
  }
  if (spec.loadBalancerAttributes?.length) {
    into.loadBalancerAttributes = Object.fromEntries(
      spec.loadBalancerAttributes.map((a) => [a.key, a.value]),
    );
    value.sources.loadBalancerAttributes = field('loadBalancerAttributes');
  }
  if (spec.namespaceSelector) {
    const selector: LabelSelector = {
      ...(spec.namespaceSelector.matchLabels ? { matchLabels: spec.namespaceSelector.matchLabels } : {}),
      ...(spec.namespaceSelector.matchExpressions
        ? {
            matchExpressions: spec.namespaceSelector.matchExpressions.map((e) => ({
              key: e.key,
              operator: e.operator,
              ...(e.values ? { values: e.values } : {}),
            })),
          }
        : {}),
    };
    const bad = selectorProblem(selector);
    if (bad)
      problems.push({
        field: field('namespaceSelector'),
        value: shown(JSON.stringify(spec.namespaceSelector)),
        expected: `a valid label selector (${bad})`,
      });
    else value.namespaceSelector = selector;
  }

  for (const key of Object.keys(value.sources) as ClassSettingKey[]) {
    (value.settings as Record<string, unknown>)[key] = into[key];
  }
  return { value, problems, warnings };
}

function isEmpty(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    v === '' ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && Object.keys(v as object).length === 0)
  );
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path)
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

function shown(v: unknown): string {
  const s = typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
