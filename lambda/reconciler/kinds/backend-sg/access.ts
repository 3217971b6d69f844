/**
 * The path from the load balancer to the targets, as the LBC opens it by default: the cluster's backend
 * security group rides on the load balancer, and the targets' security groups admit it on every target
 * group's traffic and health-check ports.
 */
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { CLUSTER_TAG } from '../../../../shared/tags';
import { type Ctx, known } from '../../context';
import { inScope, type StackState } from '../../state';
import {
  ensureBackendSecurityGroup,
  releaseBackendSecurityGroup,
  syncTargetSecurityGroupRules,
} from './index';

/** With the `security-groups` annotation the user owns the path, unless they ask for the rules. */
export const usesBackendSecurityGroup = (st: StackState): boolean => {
  const sgs = st.desired.loadBalancer.securityGroups;
  return sgs.kind === 'managed' || st.desired.loadBalancer.manageBackendSecurityGroupRules === true;
};

const backendCtx = (ctx: Ctx) => ({
  clients: ctx.clients,
  cluster: ctx.cluster,
  write: ctx.write,
  deleteRetryDelaysMs: ctx.deleteDelaysMs,
});

export async function ensureBackendAccess(ctx: Ctx, st: StackState): Promise<void> {
  const full = st.scope.kind === 'all';
  if (!usesBackendSecurityGroup(st) || !st.vpcId || (!full && !inScope(st.scope, 'targets'))) return;
  const backendSgId = await ensureBackendSecurityGroup(backendCtx(ctx), st.vpcId);
  if (full && !st.securityGroups.some((r) => r.kind === 'known' && r.id === backendSgId))
    st.securityGroups.push(known(backendSgId));
  await syncTargetSecurityGroupRules(backendCtx(ctx), {
    backendSgId,
    targetGroups: st.desired.targetGroups,
    vpcId: st.vpcId,
    stackId: ctx.stackId,
    mayRevoke: st.mayRevokeTargetRules,
  });
}

/** After a stack is gone: rules no other stack needs are revoked, and the group goes once unused. */
export async function releaseBackendAccess(ctx: Ctx): Promise<void> {
  const r = await ctx.clients.ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: `tag:${CLUSTER_TAG}`, Values: [ctx.cluster] },
        { Name: 'tag:elbv2.k8s.aws/resource', Values: ['backend-sg'] },
        ...(ctx.vpcId ? [{ Name: 'vpc-id', Values: [ctx.vpcId] }] : []),
      ],
    }),
  );
  for (const g of r.SecurityGroups ?? []) {
    if (!g.GroupId || !g.VpcId) continue;
    await syncTargetSecurityGroupRules(backendCtx(ctx), {
      backendSgId: g.GroupId,
      targetGroups: [],
      vpcId: g.VpcId,
      stackId: ctx.stackId,
      mayRevoke: true,
    });
    await releaseBackendSecurityGroup(backendCtx(ctx), g.VpcId);
  }
}
