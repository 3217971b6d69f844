/**
 * Group-wide settings merged across members (SPEC §2): the first member in member order to set a value
 * owns it, and a member that sets a different value is in conflict with that owner.
 */
import { ANNOTATION_PREFIX } from '../annotations/types';
import type { IpAddressType, Scheme, Tags } from '../model';
import type { FieldProblem, ObjectRef, Problem } from '../problems';
import type { BuildContext, Conflict, Member } from './context';

export interface GroupSettings {
  scheme: Scheme;
  ipAddressType: IpAddressType;
  loadBalancerName?: string;
  subnets?: string[];
  securityGroups?: string[];
  sslRedirect?: number;
  wafv2AclArn?: string;
  userTags: Tags;
  loadBalancerAttributes: Record<string, string>;
}

export const annotationKey = (k: string) => `${ANNOTATION_PREFIX}${k}`;
export const sortedSet = (xs: readonly string[]) => [...new Set(xs)].sort().join(',');

function agree<T>(
  ctx: BuildContext,
  field: string,
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
        a: { ref: owner.m.ref, value: show(owner.v) },
        b: { ref: m.ref, value: show(v) },
      });
    }
  }
  return owner?.v;
}

/** Maps merge key by key; the same key with another value is a conflict. */
function mergeMap(
  ctx: BuildContext,
  field: string,
  pick: (m: Member) => Record<string, string> | undefined,
): Record<string, string> {
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
          a: { ref: prev.ref, value: `${k}=${out[k]}` },
          b: { ref: m.ref, value: `${k}=${v}` },
        });
      }
    }
  }
  return out;
}

export function mergeGroupSettings(ctx: BuildContext): GroupSettings {
  const key = annotationKey;
  const list = (v: string[]) => v.join(',');
  return {
    scheme: agree(ctx, key('scheme'), (m) => m.settings.scheme, String) ?? 'internal',
    ipAddressType: agree(ctx, key('ip-address-type'), (m) => m.settings.ipAddressType, String) ?? 'ipv4',
    loadBalancerName: agree(ctx, key('load-balancer-name'), (m) => m.settings.loadBalancerName, String),
    subnets: agree(
      ctx,
      key('subnets'),
      (m) => m.settings.subnets,
      list,
      (x, y) => sortedSet(x) === sortedSet(y),
    ),
    // Order matters for security groups only in how the user wrote them; any difference is a conflict.
    securityGroups: agree(ctx, key('security-groups'), (m) => m.settings.securityGroups, list),
    sslRedirect: agree(ctx, key('ssl-redirect'), (m) => m.settings.sslRedirect, String),
    wafv2AclArn: agree(ctx, key('wafv2-acl-arn'), (m) => m.settings.wafv2AclArn, String),
    userTags: mergeMap(ctx, key('tags'), (m) => m.settings.tags),
    loadBalancerAttributes: mergeMap(
      ctx,
      key('load-balancer-attributes'),
      (m) => m.settings.loadBalancerAttributes,
    ),
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
