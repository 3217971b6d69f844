/** Subnets of the load balancer: explicit ones resolved, or discovered as SPEC §6.3 says. */
import type { Subnet } from '@aws-sdk/client-ec2';
import type { LoadBalancer as Alb } from '@aws-sdk/client-elastic-load-balancing-v2';
import { subnets, tagsOfEc2 } from '../../../../aws/discovery';
import type { DesiredLoadBalancer, ResourceRef, Scheme } from '../../../../shared/model';
import type { Ctx } from '../../context';
import { ReconcileFailure } from '../../errors';

export type ResolvedSubnets = { ids: string[]; vpcId?: string };

export const roleTagOf = (scheme: Scheme) =>
  scheme === 'internet-facing' ? 'kubernetes.io/role/elb' : 'kubernetes.io/role/internal-elb';

/**
 * Pure: one subnet per availability zone among those tagged for the scheme's role (value "" or "1"),
 * skipping subnets that belong to another cluster only; this cluster's tagged subnet, then the lowest id,
 * wins a zone. Fewer than two zones is an error: an ALB needs two.
 */
export function pickSubnets(found: readonly Subnet[], scheme: Scheme, cluster: string): ResolvedSubnets {
  const roleTag = roleTagOf(scheme);
  const mine = `kubernetes.io/cluster/${cluster}`;
  const eligible = found
    .map((s) => ({ s, tags: tagsOfEc2(s.Tags) }))
    .filter(({ tags }) => tags[roleTag] === '' || tags[roleTag] === '1')
    .filter(({ tags }) => {
      const clusterKeys = Object.keys(tags).filter((k) => k.startsWith('kubernetes.io/cluster/'));
      return clusterKeys.length === 0 || clusterKeys.includes(mine);
    });
  const vpcs = new Set(eligible.map(({ s }) => s.VpcId));
  if (vpcs.size > 1) {
    throw new ReconcileFailure(
      'NotFound',
      `subnets tagged ${roleTag} were found in several VPCs (${[...vpcs].join(', ')}); pass --vpc-id or set the subnets annotation`,
    );
  }
  const byZone = new Map<string, { id: string; mine: boolean }>();
  for (const { s, tags } of eligible) {
    if (!s.AvailabilityZone || !s.SubnetId) continue;
    const cand = { id: s.SubnetId, mine: mine in tags };
    const prev = byZone.get(s.AvailabilityZone);
    if (!prev || (cand.mine && !prev.mine) || (cand.mine === prev.mine && cand.id < prev.id))
      byZone.set(s.AvailabilityZone, cand);
  }
  if (byZone.size < 2) {
    throw new ReconcileFailure(
      'NotFound',
      `an ALB needs subnets in at least two availability zones; found ${byZone.size} subnet(s) tagged ${roleTag} (value "" or "1") for cluster ${cluster}`,
    );
  }
  const vpcId = [...vpcs][0];
  return { ids: [...byZone.values()].map((z) => z.id).sort(), ...(vpcId ? { vpcId } : {}) };
}

export async function resolveSubnets(
  ctx: Ctx,
  d: DesiredLoadBalancer,
  current: Alb | undefined,
): Promise<ResolvedSubnets> {
  if (d.subnets.kind === 'explicit') return resolveRefs(ctx, d.subnets.refs);
  const currentIds = (current?.AvailabilityZones ?? [])
    .map((z) => z.SubnetId)
    .filter((s): s is string => !!s);
  if (current && currentIds.length > 0)
    return { ids: currentIds, ...(current.VpcId ? { vpcId: current.VpcId } : {}) };
  const found = await subnets(ctx.clients, {
    tagKey: roleTagOf(d.scheme),
    ...(ctx.vpcId ? { vpcId: ctx.vpcId } : {}),
  });
  return pickSubnets(found, d.scheme, ctx.cluster);
}

async function resolveRefs(ctx: Ctx, refs: readonly ResourceRef[]): Promise<ResolvedSubnets> {
  const ids = refs.flatMap((r) => (r.kind === 'id' ? [r.id] : []));
  const names = refs.flatMap((r) => (r.kind === 'name' ? [r.name] : []));
  const found = [
    ...(ids.length ? await subnets(ctx.clients, { ids }) : []),
    ...(names.length
      ? await subnets(ctx.clients, { names, ...(ctx.vpcId ? { vpcId: ctx.vpcId } : {}) })
      : []),
  ];
  for (const n of names) {
    if (!found.some((s) => tagsOfEc2(s.Tags).Name === n)) {
      throw new ReconcileFailure(
        'NotFound',
        `no subnet has the Name tag "${n}" (alb.ingress.kubernetes.io/subnets)`,
        n,
      );
    }
  }
  const vpcId = found[0]?.VpcId;
  return { ids: [...new Set(found.map((s) => s.SubnetId ?? ''))].sort(), ...(vpcId ? { vpcId } : {}) };
}
