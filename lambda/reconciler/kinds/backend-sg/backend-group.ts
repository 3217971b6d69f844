/**
 * The cluster's shared backend security group, LBC-compatible: same name, description and tags, so an
 * LBC-made one is found and used as it is, and the LBC finds ours. It has no ingress rules of its own: it
 * is attached to every load balancer and is the source the targets' security groups admit.
 */
import {
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  type Filter,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../../../../aws/clients';
import { securityGroupsWhere } from '../../../../aws/discovery';
import { backendSecurityGroupName } from '../../../../shared/names';
import { BACKEND_SG_RESOURCE, CLUSTER_TAG, LBC_RESOURCE_TAG } from '../../../../shared/tags';
import { awsErrorCode, ReconcileFailure } from '../../errors';
import { afterSettling } from '../../idempotency';
import { type BackendSgContext, plannedGroupId } from './context';
import { isManagedRule, MANAGED_RULE_DESCRIPTION, revokePermissions, sourceRulesOf } from './diff';

/** The LBC's description, verbatim: part of what makes the group recognisably the shared one. */
export const BACKEND_SG_DESCRIPTION = '[k8s] Shared Backend SecurityGroup for LoadBalancer';

export const backendSgTags = (cluster: string) => ({
  [CLUSTER_TAG]: cluster,
  [LBC_RESOURCE_TAG]: BACKEND_SG_RESOURCE,
});

/** LBC polls every 2 s for 2 minutes; a Lambda has less patience: ~1 minute in all. */
const DEFAULT_DELETE_DELAYS = [1000, 2000, 4000, 8000, 15000, 30000] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const byTags = (cluster: string, vpcId?: string): Filter[] => [
  ...(vpcId ? [{ Name: 'vpc-id', Values: [vpcId] }] : []),
  { Name: `tag:${CLUSTER_TAG}`, Values: [cluster] },
  { Name: `tag:${LBC_RESOURCE_TAG}`, Values: [BACKEND_SG_RESOURCE] },
];

/** The cluster's backend security groups (one per VPC; normally one), by the LBC's tags. */
export async function findBackendSecurityGroups(
  ctx: Pick<BackendSgContext, 'clients' | 'cluster'>,
  vpcId?: string,
): Promise<{ groupId: string; vpcId: string }[]> {
  return (await securityGroupsWhere(ctx.clients, byTags(ctx.cluster, vpcId))).flatMap((g) =>
    g.GroupId && g.VpcId ? [{ groupId: g.GroupId, vpcId: g.VpcId }] : [],
  );
}

/**
 * The backend security group's id, created when missing (planning: a placeholder id, see
 * `isPlannedGroupId`). Found by its tags (1 read when it exists); when missing, a same-named group without
 * the tags is an error, never a takeover (2 reads + 1 write to create).
 */
export async function ensureBackendSecurityGroup(ctx: BackendSgContext, vpcId: string): Promise<string> {
  const { clients: c, cluster } = ctx;
  const found = await securityGroupsWhere(c, byTags(cluster, vpcId));
  if (found[0]?.GroupId) return found[0].GroupId;

  const name = backendSecurityGroupName(cluster);
  const notOwned = () =>
    new ReconcileFailure(
      'NotOwned',
      `security group ${name} exists in ${vpcId} without the tags ${CLUSTER_TAG}=${cluster} and ${LBC_RESOURCE_TAG}=${BACKEND_SG_RESOURCE}; Albatross does not take it over as the cluster's backend security group`,
      name,
    );
  const sameName = await securityGroupsWhere(c, [
    { Name: 'vpc-id', Values: [vpcId] },
    { Name: 'group-name', Values: [name] },
  ]);
  if (sameName.length > 0) {
    // A racer's group can be seen a moment before its tags are.
    const settled = await afterSettling(
      () => securityGroupsWhere(c, byTags(cluster, vpcId)),
      (g) => g[0]?.GroupId !== undefined,
    );
    if (settled[0]?.GroupId) return settled[0].GroupId;
    throw notOwned();
  }

  try {
    const created = await ctx.write(
      { action: 'create', kind: 'BackendSecurityGroup', resource: name, detail: `in ${vpcId}` },
      () =>
        c.ec2.send(
          new CreateSecurityGroupCommand({
            GroupName: name,
            Description: BACKEND_SG_DESCRIPTION,
            VpcId: vpcId,
            TagSpecifications: [
              {
                ResourceType: 'security-group',
                Tags: Object.entries(backendSgTags(cluster)).map(([Key, Value]) => ({ Key, Value })),
              },
            ],
          }),
        ),
    );
    return created?.GroupId ?? plannedGroupId(name);
  } catch (err) {
    // Another stack (or the LBC) created it meanwhile, or our own create's answer was lost: adopt it.
    if (awsErrorCode(err) !== 'InvalidGroup.Duplicate') throw err;
    const again = await afterSettling(
      () => securityGroupsWhere(c, byTags(cluster, vpcId)),
      (g) => g[0]?.GroupId !== undefined,
    );
    if (again[0]?.GroupId) return again[0].GroupId;
    throw notOwned();
  }
}

export type ReleaseOutcome =
  | { outcome: 'deleted'; groupIds: string[] }
  | { outcome: 'absent' }
  | { outcome: 'in-use'; groupId: string; loadBalancers: string[] };

/** Every load balancer in the region using `groupId`, whoever made it (ALBs and NLBs alike). */
async function loadBalancersUsing(c: AwsClients, groupId: string): Promise<string[]> {
  const out: string[] = [];
  let Marker: string | undefined;
  do {
    const r = await c.elbv2.send(new DescribeLoadBalancersCommand({ PageSize: 400, Marker }));
    for (const lb of r.LoadBalancers ?? [])
      if (lb.SecurityGroups?.includes(groupId)) out.push(lb.LoadBalancerName ?? lb.LoadBalancerArn ?? '?');
    Marker = r.NextMarker;
  } while (Marker);
  return out;
}

/**
 * Deletes the backend security group once no load balancer uses it (checked on AWS, not by counting our
 * stacks: an LBC-managed ALB or NLB of the cluster counts as well). Managed rules that still admit it are
 * revoked first; a rule someone else added that names it is a Conflict, named, instead of a minute of
 * DependencyViolation. Cost: 1 read (+ ⌈LBs/400⌉ + 1 when it exists) and, when released, 1 revoke per
 * target SG + 1 delete.
 */
export async function releaseBackendSecurityGroup(
  ctx: BackendSgContext,
  vpcId?: string,
): Promise<ReleaseOutcome> {
  const { clients: c, cluster } = ctx;
  const groups = (await securityGroupsWhere(c, byTags(cluster, vpcId))).filter((g) => g.GroupId);
  if (groups.length === 0) return { outcome: 'absent' };
  for (const g of groups) {
    const users = await loadBalancersUsing(c, g.GroupId!);
    if (users.length > 0) return { outcome: 'in-use', groupId: g.GroupId!, loadBalancers: users };
  }
  const deleted: string[] = [];
  for (const g of groups) {
    const groupId = g.GroupId!;
    await revokeEveryManagedRuleFrom(ctx, groupId);
    await deleteWithPatience(ctx, groupId, g.GroupName ?? groupId);
    deleted.push(groupId);
  }
  return { outcome: 'deleted', groupIds: deleted };
}

/** With no load balancer using the group, no rule admitting it carries traffic: ours all go. */
async function revokeEveryManagedRuleFrom(ctx: BackendSgContext, groupId: string): Promise<void> {
  const referencing = await securityGroupsWhere(ctx.clients, [
    { Name: 'ip-permission.group-id', Values: [groupId] },
  ]);
  const foreign: string[] = [];
  for (const target of referencing) {
    const targetId = target.GroupId ?? '';
    const fromBackend = sourceRulesOf(targetId, target.IpPermissions).filter(
      (r) => r.sourceGroupId === groupId,
    );
    const ours = fromBackend.filter((r) => isManagedRule(r.description));
    if (ours.length < fromBackend.length) foreign.push(targetId);
    if (ours.length === 0) continue;
    await ctx.write(
      {
        action: 'delete',
        kind: 'TargetSecurityGroupRule',
        resource: targetId,
        detail: `revoke ${ours.map((r) => `${r.protocol} ${r.fromPort}-${r.toPort}`).join(', ')} from ${groupId}`,
      },
      () =>
        ctx.clients.ec2.send(
          new RevokeSecurityGroupIngressCommand({
            GroupId: targetId,
            IpPermissions: revokePermissions(ours),
          }),
        ),
    );
  }
  if (foreign.length > 0) {
    throw new ReconcileFailure(
      'Conflict',
      `the backend security group ${groupId} is no longer used by any load balancer, but rules Albatross did not add still admit it on ${foreign.join(', ')}; remove them (or describe them as ${MANAGED_RULE_DESCRIPTION}) so it can be deleted`,
      groupId,
    );
  }
}

async function deleteWithPatience(ctx: BackendSgContext, groupId: string, name: string): Promise<void> {
  const delays = ctx.deleteDelaysMs ?? DEFAULT_DELETE_DELAYS;
  await ctx.write({ action: 'delete', kind: 'BackendSecurityGroup', resource: name }, async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await ctx.clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
      } catch (err) {
        const code = awsErrorCode(err);
        if (code === 'InvalidGroup.NotFound') return undefined;
        if (code !== 'DependencyViolation' || attempt >= delays.length) throw err;
        await sleep(delays[attempt]!);
      }
    }
  });
}
