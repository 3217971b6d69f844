/**
 * The backend-SG kind as steps of deploy.ts's ORDER (one line each to wire in):
 *   after the security groups: `{ ensure: ensureBackendSg }` — the backend SG beside the managed one;
 *   after the target groups:  `{ ensure: syncTargetRules }` — the targets' SGs admit it;
 *   in deleteStack, after the target groups went: `await releaseForDeletedStack(ctx)`.
 * Like the LBC, only load balancers with the managed security group get the backend SG and target rules
 * (explicit `security-groups` get them with `manage-backend-security-group-rules: "true"`).
 */
import { backendSecurityGroupName } from '../../../../shared/names';
import { type Ctx, known, pending } from '../../context';
import { ReconcileFailure } from '../../errors';
import { inScope, type StackState } from '../../state';
import { syncTargetSecurityGroupRules } from './apply';
import {
  ensureBackendSecurityGroup,
  findBackendSecurityGroups,
  type ReleaseOutcome,
  releaseBackendSecurityGroup,
} from './backend-group';
import { isPlannedGroupId } from './context';

/** With the `security-groups` annotation the user owns the path, unless they ask for the rules. */
const usesBackendSecurityGroup = (st: StackState): boolean =>
  st.desired.loadBalancer.securityGroups.kind === 'managed' ||
  st.desired.loadBalancer.manageBackendSecurityGroupRules === true;

/** The backend SG id each run resolved, for the later step of the same run. */
const backendOf = new WeakMap<StackState, string>();

/** Runs that change only listeners and rules leave the path to the targets alone. */
const touchesTargets = (st: StackState): boolean =>
  (['sg', 'lb', 'tg', 'targets'] as const).some((p) => inScope(st.scope, p));

/**
 * Backend SG ids this process has seen, per cluster and VPC. Trusted without a read while the stack's
 * load balancer lists the id: a group a load balancer uses cannot have been deleted, and ids are never
 * reused.
 */
const learnt = new Map<string, string>();

/**
 * 0 reads (a warm process, the load balancer already using it), else 1 read (it exists) or 2 reads +
 * 1 write (created). Listener-only runs skip it.
 */
export async function ensureBackendSg(ctx: Ctx, st: StackState): Promise<void> {
  if (!usesBackendSecurityGroup(st) || !touchesTargets(st)) return;
  if (!st.vpcId)
    throw new ReconcileFailure('NotFound', 'no VPC is known for the backend security group; pass --vpc-id');
  const key = `${ctx.cluster}|${st.vpcId}`;
  const seen = learnt.get(key);
  const id =
    seen && st.lb?.SecurityGroups?.includes(seen) ? seen : await ensureBackendSecurityGroup(ctx, st.vpcId);
  if (!isPlannedGroupId(id)) learnt.set(key, id);
  backendOf.set(st, id);
  if (st.securityGroups.some((r) => r.kind === 'known' && r.id === id)) return;
  st.securityGroups.push(
    isPlannedGroupId(id) ? pending(`security group ${backendSecurityGroupName(ctx.cluster)}`) : known(id),
  );
}

/**
 * Rules from the backend SG on the targets' SGs. Revokes only in full runs that can have made a rule
 * unneeded: a target group of the stack on AWS that the desired stack no longer names (deleted, or
 * replaced because its port changed: the port is part of the name). Not in verify runs: deciding a
 * revocation reads what every other stack needs, and a resync verifies every stack, so that would make
 * the cluster's resync cost grow with the square of its size. A rule left over by a revocation that was
 * cut short only admits the ALBs' own backend group; the stack's deletion or its next TG change sweeps it.
 */
export async function syncTargetRules(ctx: Ctx, st: StackState): Promise<void> {
  const backendSgId = backendOf.get(st);
  if (!backendSgId || !st.vpcId || !(inScope(st.scope, 'tg') || inScope(st.scope, 'targets'))) return;
  const wanted = new Set(st.desired.targetGroups.map((t) => t.name));
  const stale = st.tagged.some(
    (r) => r.kind === 'targetGroup' && ctx.owned(r.tags) && !wanted.has(r.arn.split('/')[1] ?? ''),
  );
  await syncTargetSecurityGroupRules(ctx, {
    backendSgId,
    targetGroups: st.desired.targetGroups,
    vpcId: st.vpcId,
    stackId: ctx.stackId,
    mayRevoke: st.scope.kind === 'all' && stale,
  });
}

/**
 * A deleted stack: the rules only it needed go, then the backend SG if no load balancer uses it any more
 * (another stack's, or the LBC's, keeps it). Run after the load balancer and target groups are gone.
 */
export async function releaseForDeletedStack(ctx: Ctx): Promise<ReleaseOutcome> {
  const groups = await findBackendSecurityGroups(ctx, ctx.vpcId);
  for (const g of groups) {
    await syncTargetSecurityGroupRules(ctx, {
      backendSgId: g.groupId,
      targetGroups: [],
      vpcId: g.vpcId,
      stackId: ctx.stackId,
      mayRevoke: true,
    });
  }
  if (groups.length === 0) return { outcome: 'absent' };
  return releaseBackendSecurityGroup(ctx, ctx.vpcId);
}
