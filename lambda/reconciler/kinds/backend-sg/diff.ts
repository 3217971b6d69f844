/**
 * Target security-group rules as data (pure): which ports the targets' security groups must admit from
 * the backend security group, what is there, and the authorize / revoke operations between the two.
 *
 * Compatible with the LBC both ways: rules we add carry the LBC's description, so either controller
 * treats the other's rules as its own; a rule covering a needed port (an LBC range rule such as
 * tcp 8080-30081) satisfies the need, so an LBC-made stack is adopted with no rule writes.
 */
import type { IpPermission } from '@aws-sdk/client-ec2';

/**
 * The description the LBC writes on the rules it manages (`key=value` labels, comma separated) and selects
 * them by: a rule is managed when its description carries this label, whoever wrote it.
 */
export const MANAGED_RULE_LABEL = { key: 'elbv2.k8s.aws/targetGroupBinding', value: 'shared' } as const;
export const MANAGED_RULE_DESCRIPTION = `${MANAGED_RULE_LABEL.key}=${MANAGED_RULE_LABEL.value}`;

/** Parses a rule description into labels as the LBC does (`a=b,c=d`; anything else is no label). */
export function isManagedRule(description: string | undefined): boolean {
  for (const m of (description ?? '').matchAll(/([^\s,=]+)=([^\s,=]+)(?:,|$)/g)) {
    if (m[1] === MANAGED_RULE_LABEL.key && m[2] === MANAGED_RULE_LABEL.value) return true;
  }
  return false;
}

/** One observed ingress rule whose source is a security group (AWS groups them; we keep one per source). */
export interface SourceRule {
  /** The security group the rule is on. */
  groupId: string;
  /** `tcp`, `udp`, `-1` (all traffic), … */
  protocol: string;
  /** Inclusive; `-1` rules span 0–65535. */
  fromPort: number;
  toPort: number;
  sourceGroupId: string;
  description?: string;
}

/** A target security group must admit tcp on `port` from the backend security group. */
export interface PortNeed {
  groupId: string;
  port: number;
}

export type RuleOperation =
  /** tcp from the backend SG, one single-port rule per port, all marked managed. */
  | { kind: 'authorize'; groupId: string; ports: number[] }
  /** Exactly the observed rules (AWS matches without the description; moto needs it, so it is kept). */
  | { kind: 'revoke'; groupId: string; rules: SourceRule[] };

export interface RuleDiffInput {
  backendSgId: string;
  needs: readonly PortNeed[];
  /** Rules on the target groups' SGs (and, when revoking, every rule from the backend SG). */
  observed: readonly SourceRule[];
  /**
   * Only when this run may revoke: every port some target group of the cluster still needs, this stack's
   * included. A managed rule from the backend SG is revoked only when it covers none of them, so a rule
   * another stack relies on on a shared node SG survives this stack's changes.
   */
  clusterPorts?: ReadonlySet<number>;
}

const ALL_PORTS = { from: 0, to: 65535 };

/** The rule's tcp port range, or undefined when it admits no tcp (udp, icmp, …). */
function tcpRange(r: SourceRule): { from: number; to: number } | undefined {
  if (r.protocol === '-1') return ALL_PORTS;
  if (r.protocol !== 'tcp' && r.protocol !== '6') return undefined;
  return { from: r.fromPort, to: r.toPort };
}

/** True when `r` lets tcp on `port` in from `sourceGroupId`. */
export function covers(r: SourceRule, sourceGroupId: string, port: number): boolean {
  const range = tcpRange(r);
  return r.sourceGroupId === sourceGroupId && range !== undefined && range.from <= port && port <= range.to;
}

export function diffTargetRules(input: RuleDiffInput): RuleOperation[] {
  const { backendSgId } = input;
  const ops: RuleOperation[] = [];

  const needsByGroup = new Map<string, Set<number>>();
  for (const n of input.needs) {
    const ports = needsByGroup.get(n.groupId) ?? new Set<number>();
    ports.add(n.port);
    needsByGroup.set(n.groupId, ports);
  }
  const rulesOn = (groupId: string) => input.observed.filter((r) => r.groupId === groupId);
  for (const [groupId, ports] of [...needsByGroup].sort(([a], [b]) => a.localeCompare(b))) {
    const rules = rulesOn(groupId);
    const missing = [...ports]
      .filter((p) => !rules.some((r) => covers(r, backendSgId, p)))
      .sort((a, b) => a - b);
    if (missing.length) ops.push({ kind: 'authorize', groupId, ports: missing });
  }

  if (input.clusterPorts) {
    const keep = new Set([...input.clusterPorts, ...input.needs.map((n) => n.port)]);
    const revocable = new Map<string, Map<string, SourceRule>>();
    for (const r of input.observed) {
      const range = tcpRange(r);
      if (r.sourceGroupId !== backendSgId || !range || !isManagedRule(r.description)) continue;
      if ([...keep].some((p) => range.from <= p && p <= range.to)) continue;
      const byKey = revocable.get(r.groupId) ?? new Map<string, SourceRule>();
      byKey.set(`${r.protocol}|${r.fromPort}|${r.toPort}`, r);
      revocable.set(r.groupId, byKey);
    }
    for (const [groupId, rules] of [...revocable].sort(([a], [b]) => a.localeCompare(b))) {
      ops.push({ kind: 'revoke', groupId, rules: [...rules.values()] });
    }
  }
  return ops;
}

/** The security-group-sourced rules of one group, one entry per (permission, source group). */
export function sourceRulesOf(
  groupId: string,
  permissions: readonly IpPermission[] | undefined,
): SourceRule[] {
  const out: SourceRule[] = [];
  for (const p of permissions ?? []) {
    const protocol = p.IpProtocol ?? '';
    const all = protocol === '-1';
    for (const pair of p.UserIdGroupPairs ?? []) {
      if (!pair.GroupId) continue;
      out.push({
        groupId,
        protocol,
        fromPort: all ? ALL_PORTS.from : (p.FromPort ?? ALL_PORTS.from),
        toPort: all ? ALL_PORTS.to : (p.ToPort ?? ALL_PORTS.to),
        sourceGroupId: pair.GroupId,
        ...(pair.Description !== undefined ? { description: pair.Description } : {}),
      });
    }
  }
  return out;
}

/** The SDK permissions that authorize `ports` from the backend SG, marked managed. */
export function authorizePermissions(backendSgId: string, ports: readonly number[]): IpPermission[] {
  return ports.map((port) => ({
    IpProtocol: 'tcp',
    FromPort: port,
    ToPort: port,
    UserIdGroupPairs: [{ GroupId: backendSgId, Description: MANAGED_RULE_DESCRIPTION }],
  }));
}

/** The SDK permissions that revoke exactly `rules` (as observed, `-1` without ports). */
export function revokePermissions(rules: readonly SourceRule[]): IpPermission[] {
  return rules.map((r) => ({
    IpProtocol: r.protocol,
    ...(r.protocol === '-1' ? {} : { FromPort: r.fromPort, ToPort: r.toPort }),
    UserIdGroupPairs: [
      { GroupId: r.sourceGroupId, ...(r.description !== undefined ? { Description: r.description } : {}) },
    ],
  }));
}
