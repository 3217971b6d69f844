/**
 * One IngressGroup's desired stack (SPEC §2, §4): merge the members' Ingress-level settings (reporting
 * conflicts), then listeners, rules with priorities, actions and target groups, then the ALB limits.
 */
import type { V1Ingress, V1IngressBackend } from '@kubernetes/client-node';
import type {
  AnnotationAction,
  AnnotationCondition,
  IngressSettings,
  ListenPort,
} from '../annotations/types';
import { ANNOTATION_PREFIX } from '../annotations/types';
import type { GroupId } from '../groups';
import type {
  Action,
  DesiredListener,
  DesiredRule,
  DesiredSecurityGroup,
  DesiredStack,
  DesiredTargetGroup,
  ResourceRef,
  RuleCondition,
  Tags,
} from '../model';
import { loadBalancerName, securityGroupName } from '../names';
import type { FieldProblem, ObjectRef, Problem, Warning } from '../problems';
import { RESOURCE_ID, resourceTags } from '../tags';
import type { ClusterIndex } from './cluster-index';
import { orderPaths, pathPatterns } from './paths';
import { buildTargetGroup } from './target-groups';

export interface Member {
  ingress: V1Ingress;
  ref: ObjectRef;
  order: number;
  settings: IngressSettings;
}

/** Two members disagree; reported on whichever side the caller is looking from. */
export interface Conflict {
  field: string;
  group: string;
  a: { ref: ObjectRef; value: string };
  b: { ref: ObjectRef; value: string };
}

export interface GroupBuild {
  stack: DesiredStack | undefined;
  problems: Problem[];
  conflicts: Conflict[];
  warnings: Warning[];
}

export const LIMITS = {
  rulesPerListener: 100,
  conditionValuesPerRule: 5,
  targetGroupsPerLoadBalancer: 100,
} as const;
const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-2016-08';
const MISSING_BACKEND: Action = {
  type: 'fixed-response',
  statusCode: '503',
  contentType: 'text/plain',
  messageBody: 'Backend service does not exist',
};
const NOT_FOUND: Action = { type: 'fixed-response', statusCode: '404', contentType: 'text/plain' };
const key = (k: string) => `${ANNOTATION_PREFIX}${k}`;
const refText = (r: ObjectRef) => `${r.namespace}/${r.name}`;

export function effectiveListenPorts(s: IngressSettings): ListenPort[] {
  if (s.listenPorts) return s.listenPorts;
  return s.certificateArns?.length ? [{ protocol: 'HTTPS', port: 443 }] : [{ protocol: 'HTTP', port: 80 }];
}

/**
 * `members` must be in member order. Problems on any member fail the whole group: `stack` is then
 * undefined.
 */
export function buildGroup(
  cluster: string,
  group: GroupId,
  stackId: string,
  members: readonly Member[],
  index: ClusterIndex,
): GroupBuild {
  const problems: Problem[] = [];
  const conflicts: Conflict[] = [];
  const warnings: Warning[] = [];
  const groupLabel = stackId;

  // ---- Group-wide settings: the first member to set a value owns it; a different value is a conflict.
  function agree<T>(
    field: string,
    pick: (m: Member) => T | undefined,
    show: (v: T) => string,
    same = (x: T, y: T) => show(x) === show(y),
  ) {
    let owner: { m: Member; v: T } | undefined;
    for (const m of members) {
      const v = pick(m);
      if (v === undefined) continue;
      if (!owner) owner = { m, v };
      else if (!same(owner.v, v)) {
        conflicts.push({
          field,
          group: groupLabel,
          a: { ref: owner.m.ref, value: show(owner.v) },
          b: { ref: m.ref, value: show(v) },
        });
      }
    }
    return owner?.v;
  }
  const sortedSet = (xs: string[]) => [...new Set(xs)].sort().join(',');
  const scheme = agree(key('scheme'), (m) => m.settings.scheme, String) ?? 'internal';
  const ipAddressType = agree(key('ip-address-type'), (m) => m.settings.ipAddressType, String) ?? 'ipv4';
  const lbName = agree(key('load-balancer-name'), (m) => m.settings.loadBalancerName, String);
  const subnets = agree(
    key('subnets'),
    (m) => m.settings.subnets,
    (v) => v.join(','),
    (x, y) => sortedSet(x) === sortedSet(y),
  );
  const securityGroups = agree(
    key('security-groups'),
    (m) => m.settings.securityGroups,
    (v) => v.join(','),
  );
  const sslRedirect = agree(key('ssl-redirect'), (m) => m.settings.sslRedirect, String);
  const wafv2 = agree(key('wafv2-acl-arn'), (m) => m.settings.wafv2AclArn, String);

  const mergeMap = (
    field: string,
    pick: (m: Member) => Record<string, string> | undefined,
  ): Record<string, string> => {
    const out: Record<string, string> = {};
    const owners = new Map<string, Member>();
    for (const m of members) {
      for (const [k, v] of Object.entries(pick(m) ?? {})) {
        const prev = owners.get(k);
        if (prev && out[k] !== v) {
          conflicts.push({
            field,
            group: groupLabel,
            a: { ref: prev.ref, value: `${k}=${out[k]}` },
            b: { ref: m.ref, value: `${k}=${v}` },
          });
        } else if (!prev) {
          owners.set(k, m);
          out[k] = v;
        }
      }
    }
    return out;
  };
  const userTags: Tags = mergeMap(key('tags'), (m) => m.settings.tags);
  const lbAttributes = mergeMap(key('load-balancer-attributes'), (m) => m.settings.loadBalancerAttributes);

  // ---- Listen ports, per-port settings and certificates.
  interface PortPlan {
    protocol: 'HTTP' | 'HTTPS';
    owner: Member;
    certificates: string[];
    sslPolicy?: { m: Member; v: string };
    cidrs?: { m: Member; v: string[] };
    members: Member[];
  }
  const ports = new Map<number, PortPlan>();
  for (const m of members) {
    for (const lp of effectiveListenPorts(m.settings)) {
      let plan = ports.get(lp.port);
      if (!plan) {
        plan = { protocol: lp.protocol, owner: m, certificates: [], members: [] };
        ports.set(lp.port, plan);
      } else if (plan.protocol !== lp.protocol) {
        conflicts.push({
          field: key('listen-ports'),
          group: groupLabel,
          a: { ref: plan.owner.ref, value: `${plan.protocol}:${lp.port}` },
          b: { ref: m.ref, value: `${lp.protocol}:${lp.port}` },
        });
        continue;
      }
      plan.members.push(m);
      if (lp.protocol === 'HTTPS') {
        for (const c of m.settings.certificateArns ?? [])
          if (!plan.certificates.includes(c)) plan.certificates.push(c);
        const pol = m.settings.sslPolicy;
        if (pol !== undefined) {
          if (!plan.sslPolicy) plan.sslPolicy = { m, v: pol };
          else if (plan.sslPolicy.v !== pol) {
            conflicts.push({
              field: key('ssl-policy'),
              group: groupLabel,
              a: { ref: plan.sslPolicy.m.ref, value: `${plan.sslPolicy.v} on port ${lp.port}` },
              b: { ref: m.ref, value: `${pol} on port ${lp.port}` },
            });
          }
        }
      }
      const cidrs = m.settings.inboundCidrs;
      if (cidrs !== undefined) {
        if (!plan.cidrs) plan.cidrs = { m, v: cidrs };
        else if (sortedSet(plan.cidrs.v) !== sortedSet(cidrs)) {
          conflicts.push({
            field: key('inbound-cidrs'),
            group: groupLabel,
            a: { ref: plan.cidrs.m.ref, value: `${plan.cidrs.v.join(',')} on port ${lp.port}` },
            b: { ref: m.ref, value: `${cidrs.join(',')} on port ${lp.port}` },
          });
        }
      }
    }
  }
  const sortedPorts = [...ports.keys()].sort((a, b) => a - b);

  // ---- Target groups, created on first reference.
  const targetGroups = new Map<string, DesiredTargetGroup>();
  const reportedServiceProblems = new Set<string>();
  const missingBackend = (m: Member, what: string): Action => {
    warnings.push({ object: m.ref, message: `${what}; requests get a 503 "Backend service does not exist"` });
    return MISSING_BACKEND;
  };
  function targetGroupFor(m: Member, serviceName: string, port: string | number): string | Action {
    const svc = index.service(m.ref.namespace, serviceName);
    const portAsWritten = String(port);
    if (!svc) return missingBackend(m, `service ${m.ref.namespace}/${serviceName} does not exist`);
    const r = buildTargetGroup(
      {
        cluster,
        stackId,
        ingressNamespace: m.ref.namespace,
        ingressName: m.ref.name,
        ingressSettings: m.settings,
        service: svc,
        portAsWritten,
      },
      index,
    );
    if (r.ok) {
      targetGroups.set(r.targetGroup.resourceId, r.targetGroup);
      return r.targetGroup.resourceId;
    }
    if ('missingPort' in r)
      return missingBackend(m, `service ${m.ref.namespace}/${serviceName} has no port ${portAsWritten}`);
    for (const p of r.problems) problems.push({ ...p, object: m.ref });
    const svcKey = `${m.ref.namespace}/${serviceName}`;
    if (!reportedServiceProblems.has(svcKey)) {
      reportedServiceProblems.add(svcKey);
      for (const p of r.serviceProblems)
        problems.push({ ...p, object: { kind: 'Service', namespace: m.ref.namespace, name: serviceName } });
    }
    return MISSING_BACKEND;
  }

  function annotationAction(m: Member, a: AnnotationAction): Action {
    if (a.type !== 'forward') return a;
    const tgs: { targetGroup: string; weight: number }[] = [];
    for (const t of a.targetGroups) {
      const r = targetGroupFor(m, t.serviceName, t.servicePort);
      if (typeof r !== 'string') return r;
      const existing = tgs.find((x) => x.targetGroup === r);
      if (existing) existing.weight += t.weight;
      else tgs.push({ targetGroup: r, weight: t.weight });
    }
    return { type: 'forward', targetGroups: tgs, ...(a.stickiness ? { stickiness: a.stickiness } : {}) };
  }

  function backendAction(m: Member, backend: V1IngressBackend | undefined, field: string): Action {
    const svc = backend?.service;
    if (!svc) return missingBackend(m, `${field} has no service backend`);
    if (svc.port?.name === 'use-annotation') {
      const a = m.settings.actions[svc.name];
      return a
        ? annotationAction(m, a)
        : missingBackend(m, `${field} uses annotation ${key(`actions.${svc.name}`)}, which is not set`);
    }
    const port = svc.port?.number ?? svc.port?.name;
    if (port === undefined) return missingBackend(m, `${field} names no service port`);
    const r = targetGroupFor(m, svc.name, port);
    return typeof r === 'string' ? { type: 'forward', targetGroups: [{ targetGroup: r, weight: 1 }] } : r;
  }

  // ---- Default actions: ssl-redirect, else the one member defaultBackend on that port, else 404.
  const defaultBackendOwner = new Map<number, Member>();
  for (const port of sortedPorts) {
    for (const m of ports.get(port)!.members) {
      if (!m.ingress.spec?.defaultBackend) continue;
      const prev = defaultBackendOwner.get(port);
      if (prev) {
        conflicts.push({
          field: 'spec.defaultBackend',
          group: groupLabel,
          a: { ref: prev.ref, value: `a default backend on port ${port}` },
          b: { ref: m.ref, value: `a default backend on port ${port}` },
        });
      } else defaultBackendOwner.set(port, m);
    }
  }

  const listeners: DesiredListener[] = [];
  for (const port of sortedPorts) {
    const plan = ports.get(port)!;
    const redirect = plan.protocol === 'HTTP' && sslRedirect !== undefined;
    let defaultAction: Action;
    if (redirect)
      defaultAction = {
        type: 'redirect',
        protocol: 'HTTPS',
        port: String(sslRedirect),
        statusCode: 'HTTP_301',
      };
    else {
      const owner = defaultBackendOwner.get(port);
      defaultAction = owner
        ? backendAction(owner, owner.ingress.spec?.defaultBackend, 'spec.defaultBackend')
        : NOT_FOUND;
    }
    const rules: DesiredRule[] = [];
    if (!redirect) {
      for (const m of plan.members) buildMemberRules(m, port, rules);
    }
    if (rules.length > LIMITS.rulesPerListener) {
      const culprit = plan.members.at(-1)!;
      problems.push({
        object: culprit.ref,
        field: `listener ${port}`,
        value: `${rules.length} rules`,
        expected: `at most ${LIMITS.rulesPerListener} rules per listener (ALB limit)`,
      });
    }
    const https = plan.protocol === 'HTTPS';
    listeners.push({
      port,
      protocol: plan.protocol,
      certificateArns: https ? plan.certificates : [],
      ...(https ? { sslPolicy: plan.sslPolicy?.v ?? DEFAULT_SSL_POLICY } : {}),
      defaultAction,
      rules,
      tags: resourceTags(cluster, stackId, RESOURCE_ID.listener(port), userTags),
    });
    if (https && plan.certificates.length === 0) {
      problems.push({
        object: plan.owner.ref,
        field: key('certificate-arn'),
        value: '',
        expected: `a certificate for HTTPS listener ${port}`,
      });
    }
  }

  function buildMemberRules(m: Member, port: number, out: DesiredRule[]): void {
    const specRules = m.ingress.spec?.rules ?? [];
    specRules.forEach((rule, ri) => {
      const paths = rule.http?.paths;
      if (!paths) return;
      for (const pi of orderPaths(paths)) {
        const p = paths[pi]!;
        const field = `spec.rules[${ri}].http.paths[${pi}]`;
        const patterns = pathPatterns(p);
        if (!patterns.ok) {
          problems.push({
            object: m.ref,
            field: `${field}.path`,
            value: p.path ?? '',
            expected: patterns.expected,
          });
          continue;
        }
        const svcName = p.backend?.service?.name;
        const annotationConds: AnnotationCondition[] = svcName ? (m.settings.conditions[svcName] ?? []) : [];
        const conditions: RuleCondition[] = [];
        for (const c of annotationConds) {
          if (c.field !== 'host-header' && c.field !== 'path-pattern') conditions.push(c);
        }
        const annoHost = annotationConds.find((c) => c.field === 'host-header');
        const annoPath = annotationConds.find((c) => c.field === 'path-pattern');
        const condField = key(`conditions.${svcName ?? ''}`);
        if (rule.host && annoHost) {
          problems.push({
            object: m.ref,
            field: condField,
            value: 'host-header',
            expected: `no host-header condition on a rule that has host ${rule.host}`,
          });
          continue;
        }
        if (patterns.values && annoPath) {
          problems.push({
            object: m.ref,
            field: condField,
            value: 'path-pattern',
            expected: `no path-pattern condition on a path that is set (${p.path})`,
          });
          continue;
        }
        const hosts = rule.host ? [rule.host] : annoHost?.values;
        const pathValues = patterns.values ?? annoPath?.values;
        if (hosts) conditions.push({ field: 'host-header', values: hosts });
        if (pathValues) conditions.push({ field: 'path-pattern', values: pathValues });
        else if (!hosts) conditions.push({ field: 'path-pattern', values: ['/*'] });
        const valueCount = conditions.reduce((n, c) => n + c.values.length, 0);
        if (valueCount > LIMITS.conditionValuesPerRule) {
          problems.push({
            object: m.ref,
            field,
            value: `${valueCount} condition values`,
            expected: `at most ${LIMITS.conditionValuesPerRule} condition values per rule (ALB limit)`,
          });
          continue;
        }
        const action = backendAction(m, p.backend, field);
        const priority = out.length + 1;
        out.push({
          priority,
          conditions,
          action,
          tags: resourceTags(cluster, stackId, RESOURCE_ID.rule(port, priority), userTags),
        });
      }
    });
  }

  if (targetGroups.size > LIMITS.targetGroupsPerLoadBalancer) {
    problems.push({
      object: members.at(-1)!.ref,
      field: 'target groups',
      value: `${targetGroups.size} target groups`,
      expected: `at most ${LIMITS.targetGroupsPerLoadBalancer} target groups per load balancer (ALB limit)`,
    });
  }
  if (problems.length > 0 || conflicts.length > 0) return { stack: undefined, problems, conflicts, warnings };

  const refs = (items: string[], idPrefix: string): ResourceRef[] =>
    items.map((v) => (v.startsWith(idPrefix) ? { kind: 'id', id: v } : { kind: 'name', name: v }));
  let securityGroup: DesiredSecurityGroup | null = null;
  if (!securityGroups) {
    const defaultCidrs = ipAddressType === 'dualstack' ? ['0.0.0.0/0', '::/0'] : ['0.0.0.0/0'];
    const ingress = sortedPorts.flatMap((port) =>
      (ports.get(port)!.cidrs?.v ?? defaultCidrs).map((cidr) => ({ port, cidr })),
    );
    securityGroup = {
      name: securityGroupName(cluster, group, stackId),
      description: `[k8s] Managed SecurityGroup for LoadBalancer ${stackId}`,
      ingress,
      tags: resourceTags(cluster, stackId, RESOURCE_ID.securityGroup, userTags),
    };
  }
  const stack: DesiredStack = {
    loadBalancer: {
      name: lbName ?? loadBalancerName(cluster, group, scheme),
      scheme,
      ipAddressType,
      subnets: subnets ? { kind: 'explicit', refs: refs(subnets, 'subnet-') } : { kind: 'discover' },
      securityGroups: securityGroups
        ? { kind: 'explicit', refs: refs(securityGroups, 'sg-') }
        : { kind: 'managed' },
      attributes: lbAttributes,
      ...(wafv2 !== undefined ? { wafv2AclArn: wafv2 } : {}),
      tags: resourceTags(cluster, stackId, RESOURCE_ID.loadBalancer, userTags),
    },
    securityGroup,
    targetGroups: [...targetGroups.values()].sort((a, b) =>
      a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0,
    ),
    listeners,
  };
  return { stack, problems, conflicts, warnings };
}

/** A conflict as a denial of `side`'s Ingress, naming the other Ingress and its value. */
export function conflictProblem(c: Conflict, side: 'a' | 'b'): Problem {
  const self = c[side];
  const other = c[side === 'a' ? 'b' : 'a'];
  const problem: FieldProblem = {
    field: c.field,
    value: self.value,
    expected: `${other.value} to match ${refText(other.ref)} (IngressGroup ${c.group})`,
  };
  return { ...problem, object: self.ref, related: other.ref };
}
