/** The managed security group's ingress: TCP on each listen port from each CIDR (SPEC §6.4). */
import type { IpPermission } from '@aws-sdk/client-ec2';
import type { DesiredSecurityGroup } from '../../../../shared/model';

export interface CidrRule {
  port: number;
  cidr: string;
}

const key = (r: CidrRule) => `${r.port}|${r.cidr}`;

/** Single-port TCP rules from CIDRs; anything else on the group is not ours to judge and is left alone. */
export function observedCidrRules(perms: readonly IpPermission[]): CidrRule[] {
  const out: CidrRule[] = [];
  for (const p of perms) {
    if (p.IpProtocol !== 'tcp' || p.FromPort === undefined || p.FromPort !== p.ToPort) continue;
    for (const r of p.IpRanges ?? []) if (r.CidrIp) out.push({ port: p.FromPort, cidr: r.CidrIp });
    for (const r of p.Ipv6Ranges ?? []) if (r.CidrIpv6) out.push({ port: p.FromPort, cidr: r.CidrIpv6 });
  }
  return out;
}

export function diffIngress(
  have: readonly CidrRule[],
  want: DesiredSecurityGroup['ingress'],
): { authorize: CidrRule[]; revoke: CidrRule[] } {
  const haveKeys = new Set(have.map(key));
  const wantKeys = new Set(want.map(key));
  return {
    authorize: want.filter((r) => !haveKeys.has(key(r))),
    revoke: have.filter((r) => !wantKeys.has(key(r))),
  };
}

export function toIpPermissions(rules: readonly CidrRule[]): IpPermission[] {
  return rules.map((r) => ({
    IpProtocol: 'tcp',
    FromPort: r.port,
    ToPort: r.port,
    ...(r.cidr.includes(':') ? { Ipv6Ranges: [{ CidrIpv6: r.cidr }] } : { IpRanges: [{ CidrIp: r.cidr }] }),
  }));
}

export const describeRules = (rules: readonly CidrRule[]) =>
  rules.map((r) => `${r.cidr}:${r.port}`).join(', ');
