/**
 * One managed Ingress's settings: its annotations with its class's IngressClassParams laid over them,
 * as the LBC loads them (class_loader + model builder precedence):
 * - the IngressClass (named, or the one default class) may reference an IngressClassParams through
 *   `spec.parameters` (apiGroup `elbv2.k8s.aws`, kind `IngressClassParams`); anything else, or a
 *   missing one, or a namespace the params' namespaceSelector does not select, denies the Ingress;
 * - a value set in the params wins over the same annotation (the annotation is then reported as
 *   overridden, a warning, not a denial); tags and load-balancer attributes merge key by key, the
 *   params winning; targetType and tags win over the Service's annotations too (see the builder);
 * - the legacy `kubernetes.io/ingress.class` annotation selects no IngressClass, so no params.
 */
import type { V1Ingress, V1IngressClass, V1Namespace } from '@kubernetes/client-node';
import { checkIngressSettings, parseIngressAnnotationValues } from './annotations/parse';
import { ANNOTATION_PREFIX, type IngressSettings, type Parsed } from './annotations/types';
import type { ClassObjects } from './cluster';
import { namespaceOf } from './groups';
import { DEFAULT_CLASS_ANNOTATION, LEGACY_CLASS_ANNOTATION } from './ingress-class';
import {
  type ClassParams,
  type ClassSettingKey,
  type IngressClassParamsObject,
  PARAMS_API_GROUP,
  PARAMS_KIND,
  paramsField,
  parseClassParams,
} from './ingress-class-params';
import { describeSelector, selectorMatches } from './label-selector';
import type { FieldProblem } from './problems';

export interface IngressConfig {
  /** The annotations with the class's settings in; problems and warnings of both. */
  parsed: Parsed<IngressSettings>;
  /** The class's IngressClassParams, when its IngressClass references a valid one. */
  classParams?: ClassParams;
  /**
   * Set when the class references params that cannot be read (wrong kind, missing, namespace not
   * selected): the Ingress's group is then unknown, since the params may name it.
   */
  unresolvedClass?: FieldProblem;
}

/** The annotation each class setting stands for, for "overridden" warnings and dropped problems. */
const ANNOTATION_OF: Record<ClassSettingKey, string> = {
  scheme: 'scheme',
  ipAddressType: 'ip-address-type',
  loadBalancerName: 'load-balancer-name',
  sslPolicy: 'ssl-policy',
  sslRedirect: 'ssl-redirect',
  targetType: 'target-type',
  wafv2AclArn: 'wafv2-acl-arn',
  manageBackendSecurityGroupRules: 'manage-backend-security-group-rules',
  certificateArns: 'certificate-arn',
  inboundCidrs: 'inbound-cidrs',
  groupName: 'group.name',
  subnets: 'subnets',
  tags: 'tags',
  loadBalancerAttributes: 'load-balancer-attributes',
  listenPorts: 'listen-ports',
  securityGroups: 'security-groups',
  backendProtocol: 'backend-protocol',
  backendProtocolVersion: 'backend-protocol-version',
  healthcheckPort: 'healthcheck-port',
  healthcheckProtocol: 'healthcheck-protocol',
  healthcheckPath: 'healthcheck-path',
  healthcheckIntervalSeconds: 'healthcheck-interval-seconds',
  healthcheckTimeoutSeconds: 'healthcheck-timeout-seconds',
  healthyThresholdCount: 'healthy-threshold-count',
  unhealthyThresholdCount: 'unhealthy-threshold-count',
  successCodes: 'success-codes',
  targetGroupAttributes: 'target-group-attributes',
};
const MERGED_MAPS: ReadonlySet<ClassSettingKey> = new Set(['tags', 'loadBalancerAttributes']);

// Lookups by name, built once per list (the cluster state hands out the same arrays until a change).
const paramsIndex = new WeakMap<readonly IngressClassParamsObject[], Map<string, IngressClassParamsObject>>();
const namespaceIndex = new WeakMap<readonly V1Namespace[], Map<string, V1Namespace>>();
function byName<T extends { metadata?: { name?: string } }>(
  cache: WeakMap<readonly T[], Map<string, T>>,
  list: readonly T[],
): Map<string, T> {
  let m = cache.get(list);
  if (!m) {
    m = new Map(list.map((o) => [o.metadata?.name ?? '', o]));
    cache.set(list, m);
  }
  return m;
}

/** The IngressClass an Ingress uses: its `ingressClassName`, else the one default class. */
function classOf(ing: V1Ingress, classes: readonly V1IngressClass[]): V1IngressClass | undefined {
  const name = ing.spec?.ingressClassName;
  if (name) return classes.find((c) => c.metadata?.name === name);
  const defaults = classes.filter((c) => c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  return defaults.length === 1 ? defaults[0] : undefined;
}

type ClassLookup =
  | { kind: 'none' }
  | { kind: 'params'; params: ClassParams; problems: FieldProblem[]; warnings: string[] }
  | { kind: 'invalid'; problem: FieldProblem };

/** The params of an Ingress's class, checked against its namespace; `none` when the class has none. */
function lookUpClassParams(ing: V1Ingress, objects: ClassObjects): ClassLookup {
  if (ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION] !== undefined) return { kind: 'none' };
  const cls = classOf(ing, objects.ingressClasses);
  const ref = cls?.spec?.parameters;
  if (!cls || !ref) return { kind: 'none' };
  const className = cls.metadata?.name ?? '';
  const field = ing.spec?.ingressClassName
    ? 'spec.ingressClassName'
    : 'spec.ingressClassName (default class)';
  if (ref.apiGroup !== PARAMS_API_GROUP || ref.kind !== PARAMS_KIND) {
    return {
      kind: 'invalid',
      problem: {
        field,
        value: className,
        expected: `an IngressClass whose spec.parameters reference apiGroup ${PARAMS_API_GROUP}, kind ${PARAMS_KIND} (it references ${ref.apiGroup ?? 'core'} ${ref.kind} ${ref.name})`,
      },
    };
  }
  const object = byName(paramsIndex, objects.ingressClassParams ?? []).get(ref.name);
  if (!object) {
    return {
      kind: 'invalid',
      problem: {
        field,
        value: className,
        expected: `${PARAMS_KIND} ${ref.name}, which IngressClass ${className} references, to exist`,
      },
    };
  }
  const parsed = parseClassParams(object);
  const selector = parsed.value.namespaceSelector;
  if (selector) {
    const ns = namespaceOf(ing);
    const nsObject = byName(namespaceIndex, objects.namespaces ?? []).get(ns);
    // Every namespace carries its own name as a label; offline, that may be all we know of it.
    const labels = { ...nsObject?.metadata?.labels, 'kubernetes.io/metadata.name': ns };
    if (!selectorMatches(selector, labels)) {
      return {
        kind: 'invalid',
        problem: {
          field: paramsField(parsed.value.name, 'namespaceSelector'),
          value: `namespace ${ns}`,
          expected: `a namespace matching ${describeSelector(selector)} to use IngressClass ${className}${nsObject ? '' : ` (namespace ${ns} is not known, only its kubernetes.io/metadata.name label)`}`,
        },
      };
    }
  }
  return { kind: 'params', params: parsed.value, problems: parsed.problems, warnings: parsed.warnings };
}

/** The group name an Ingress's class imposes, without parsing its annotations (cheap pre-filters). */
export function classGroupName(ing: V1Ingress, objects: ClassObjects): string | undefined {
  const c = lookUpClassParams(ing, objects);
  return c.kind === 'params' ? c.params.settings.groupName : undefined;
}

export function ingressConfig(ing: V1Ingress, objects: ClassObjects): IngressConfig {
  const annotations = ing.metadata?.annotations;
  const own = parseIngressAnnotationValues(annotations);
  const lookup = lookUpClassParams(ing, objects);
  if (lookup.kind !== 'params') {
    const checked = checkIngressSettings(own.value, annotations);
    return {
      parsed: {
        value: own.value,
        problems: [
          ...(lookup.kind === 'invalid' ? [lookup.problem] : []),
          ...own.problems,
          ...checked.problems,
        ],
        warnings: [...own.warnings, ...checked.warnings],
      },
      ...(lookup.kind === 'invalid' ? { unresolvedClass: lookup.problem } : {}),
    };
  }
  const { params } = lookup;
  const value: IngressSettings = { ...own.value };
  const warnings = [...own.warnings, ...lookup.warnings];
  const overridden = new Set<string>();
  for (const key of Object.keys(params.settings) as ClassSettingKey[]) {
    const mine = own.value[key];
    const theirs = params.settings[key];
    const annotation = `${ANNOTATION_PREFIX}${ANNOTATION_OF[key]}`;
    if (MERGED_MAPS.has(key)) {
      const a = (mine ?? {}) as Record<string, string>;
      const b = theirs as Record<string, string>;
      for (const [k, v] of Object.entries(a))
        if (Object.hasOwn(b, k) && b[k] !== v)
          warnings.push(`${annotation}: ${k}=${v} is overridden by ${params.sources[key]} (${k}=${b[k]})`);
      setSetting(value, key, { ...a, ...b });
      continue;
    }
    overridden.add(annotation);
    setSetting(value, key, theirs);
    // The class's certificate list replaces the annotation's, repeats included.
    if (key === 'certificateArns') delete value.defaultCertificateInSni;
    if (annotations?.[annotation] !== undefined && show(mine) !== show(theirs))
      warnings.push(
        `${annotation}: ${annotations[annotation]} is overridden by ${params.sources[key]} (${show(theirs)})`,
      );
  }
  const checked = checkIngressSettings(
    value,
    annotations,
    (setting, annotation) => params.sources[setting] ?? annotation,
  );
  return {
    parsed: {
      value,
      // A bad annotation the class overrides is never read, as in the LBC: not a denial.
      problems: [
        ...lookup.problems,
        ...own.problems.filter((p) => !overridden.has(p.field)),
        ...checked.problems,
      ],
      warnings: [...warnings, ...checked.warnings],
    },
    classParams: params,
  };
}

function setSetting(into: IngressSettings, key: ClassSettingKey, v: unknown): void {
  (into as unknown as Record<string, unknown>)[key] = v;
}

function show(v: unknown): string {
  return Array.isArray(v) ? v.join(',') : String(v);
}
