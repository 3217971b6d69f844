/**
 * Group-wide settings merged across members (SPEC §2): the first member in member order to set a value
 * owns it, and a member that sets a different value is in conflict with that owner.
 */
import { ANNOTATION_PREFIX } from '../annotations/types';
import type { ClassSettingKey } from '../ingress-class-params';
import type { IpAddressType, Scheme, Tags } from '../model';
import type { FieldProblem, ObjectRef, Problem } from '../problems';
import type { Conflict, Member, MergeContext } from './context';

export interface GroupSettings {
  scheme: Scheme;
  ipAddressType: IpAddressType;
  loadBalancerName?: string;
  subnets?: string[];
  securityGroups?: string[];
  sslRedirect?: number;
  wafv2AclArn?: string;
  manageBackendSecurityGroupRules?: boolean;
  userTags: Tags;
  loadBalancerAttributes: Record<string, string>;
}

export const annotationKey = (k: string) => `${ANNOTATION_PREFIX}${k}`;
export const sortedSet = (xs: readonly string[]) => [...new Set(xs)].sort().join(',');

/** A member's setting, and where it came from when its class's IngressClassParams set it. */
function fromMember<K extends ClassSettingKey>(key: K) {
  return (m: Member) => m.settings[key];
}
/** ` (IngressClassParams <name> spec.<field>)` when the value is the class's, so a conflict names it. */
export function sourceNote(m: Member, key: ClassSettingKey | undefined): string {
  const source = key ? m.classParams?.sources[key] : undefined;
  return source ? ` (${source})` : '';
}

function agree<T>(
  ctx: MergeContext,
  field: string,
  key: ClassSettingKey,
  pick: (m: Member) => T | undefined,
  show: (v: T) => string,
  same = (x: T, y: T) => show(x) === show(y),
): T | undefined {
  let owner: { m: Member; v: T } | undefined;
  for (const m of ctx.members) {
    const v = pick(m);
    if (v === undefined) continue;
    if (!owner) owner = { m, v };
    else if (!same(owner.v, v)) {
      ctx.findings.conflict({
        field,
        group: ctx.stackId,
        a: { ref: owner.m.ref, value: `${show(owner.v)}${sourceNote(owner.m, key)}` },
        b: { ref: m.ref, value: `${show(v)}${sourceNote(m, key)}` },
      });
    }
  }
  return owner?.v;
}

/** Maps merge key by key; the same key with another value is a conflict. */
function mergeMap(
  ctx: MergeContext,
  field: string,
  key: 'tags' | 'loadBalancerAttributes',
): Record<string, string> {
  const pick = (m: Member) => m.settings[key];
  const out: Record<string, string> = {};
  const owners = new Map<string, Member>();
  for (const m of ctx.members) {
    for (const [k, v] of Object.entries(pick(m) ?? {})) {
      const prev = owners.get(k);
      if (!prev) {
        owners.set(k, m);
        out[k] = v;
      } else if (out[k] !== v) {
        ctx.findings.conflict({
          field,
          group: ctx.stackId,
          a: { ref: prev.ref, value: `${k}=${out[k]}${sourceNote(prev, key)}` },
          b: { ref: m.ref, value: `${k}=${v}${sourceNote(m, key)}` },
        });
      }
    }
  }
  return out;
}

export function mergeGroupSettings(ctx: MergeContext): GroupSettings {
  const key = annotationKey;
  const list = (v: string[]) => v.join(',');
  return {
    scheme: agree(ctx, key('scheme'), 'scheme', fromMember('scheme'), String) ?? 'internal',
    ipAddressType:
      agree(ctx, key('ip-address-type'), 'ipAddressType', fromMember('ipAddressType'), String) ?? 'ipv4',
    loadBalancerName: agree(
      ctx,
      key('load-balancer-name'),
      'loadBalancerName',
      fromMember('loadBalancerName'),
      String,
    ),
    subnets: agree(
      ctx,
      key('subnets'),
      'subnets',
      fromMember('subnets'),
      list,
      (x, y) => sortedSet(x) === sortedSet(y),
    ),
    // Order matters for security groups only in how the user wrote them; any difference is a conflict.
    securityGroups: agree(ctx, key('security-groups'), 'securityGroups', fromMember('securityGroups'), list),
    sslRedirect: agree(ctx, key('ssl-redirect'), 'sslRedirect', fromMember('sslRedirect'), String),
    wafv2AclArn: agree(ctx, key('wafv2-acl-arn'), 'wafv2AclArn', fromMember('wafv2AclArn'), String),
    manageBackendSecurityGroupRules: agree(
      ctx,
      key('manage-backend-security-group-rules'),
      'manageBackendSecurityGroupRules',
      fromMember('manageBackendSecurityGroupRules'),
      String,
    ),
    userTags: mergeMap(ctx, key('tags'), 'tags'),
    loadBalancerAttributes: mergeMap(ctx, key('load-balancer-attributes'), 'loadBalancerAttributes'),
  };
}

const refText = (r: ObjectRef) => `${r.namespace}/${r.name}`;

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
