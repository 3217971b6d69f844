/**
 * The load balancer's security groups: the stack's managed group (created, its ingress kept to the
 * listen ports × inbound CIDRs), or the groups the `security-groups` annotation names.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { tagsOfEc2 } from '../../../../aws/discovery';
import { awsErrorCode } from '../../../../aws/errors';
import type { DesiredSecurityGroup, ResourceRef } from '../../../../shared/model';
import { type Ctx, known, pending, type Ref, retryWhile } from '../../context';
import { ReconcileFailure } from '../../errors';
import { afterSettling, createOrAdopt, deleted } from '../../idempotency';
import { inScope, type StackState } from '../../state';
import { syncTags, toSdkTags } from '../../tags';
import { describeRules, diffIngress, observedCidrRules, toIpPermissions } from './diff';

export async function ensureSecurityGroups(ctx: Ctx, st: StackState): Promise<void> {
  const lbSgs = st.desired.loadBalancer.securityGroups;
  if (lbSgs.kind === 'explicit') {
    // Part runs reuse what the load balancer has: the refs did not move, or 'sg' would be in scope.
    if (!inScope(st.scope, 'sg') && st.lb) {
      st.securityGroups = (st.lb.SecurityGroups ?? []).map(known);
      return;
    }
    st.securityGroups = (await resolveRefs(ctx, lbSgs.refs, st.vpcId)).map(known);
    return;
  }
  const sg = st.desired.securityGroup;
  if (!sg)
    throw new ReconcileFailure(
      'InvalidSnapshot',
      'the snapshot asks for a managed security group but carries none',
    );
  if (!inScope(st.scope, 'sg') && st.lb) {
    st.securityGroups = (st.lb.SecurityGroups ?? []).map(known);
    return;
  }
  st.securityGroups = [await ensureManaged(ctx, sg, st.vpcId)];
}

async function byName(ctx: Ctx, name: string, vpcId: string): Promise<SecurityGroup | undefined> {
  const r = await ctx.clients.ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: 'group-name', Values: [name] },
        { Name: 'vpc-id', Values: [vpcId] },
      ],
    }),
  );
  return r.SecurityGroups?.[0];
}

function mustOwn(ctx: Ctx, g: SecurityGroup, vpcId: string): SecurityGroup {
  if (!ctx.owned(tagsOfEc2(g.Tags))) {
    throw new ReconcileFailure(
      'NotOwned',
      `security group ${g.GroupName} (${g.GroupId}) exists in ${vpcId} without the tags of cluster ${ctx.cluster} and stack ${ctx.stackId}; Albatross does not take it over`,
      g.GroupId,
    );
  }
  return g;
}

async function ensureManaged(ctx: Ctx, sg: DesiredSecurityGroup, vpcId: string | undefined): Promise<Ref> {
  if (!vpcId)
    throw new ReconcileFailure('NotFound', 'no VPC is known for the managed security group; pass --vpc-id');
  // A racer's group can be seen a moment before its tags are.
  const found = await afterSettling(
    () => byName(ctx, sg.name, vpcId),
    (x) => !x || ctx.owned(tagsOfEc2(x.Tags)),
  );
  if (found) {
    const g = mustOwn(ctx, found, vpcId);
    const id = g.GroupId ?? '';
    await syncIngress(ctx, id, sg, observedCidrRules(g.IpPermissions ?? []));
    await syncTags(
      ctx,
      { kind: 'SecurityGroup', name: sg.name, id, service: 'ec2' },
      tagsOfEc2(g.Tags),
      sg.tags,
    );
    return known(id);
  }
  const created = await ctx.write({ action: 'create', kind: 'SecurityGroup', resource: sg.name }, () =>
    createOrAdopt(
      async () =>
        (
          await ctx.clients.ec2.send(
            new CreateSecurityGroupCommand({
              GroupName: sg.name,
              Description: sg.description,
              VpcId: vpcId,
              TagSpecifications: [{ ResourceType: 'security-group', Tags: toSdkTags(sg.tags) }],
            }),
          )
        ).GroupId,
      ['InvalidGroup.Duplicate'],
      async () => {
        const g = await afterSettling(
          () => byName(ctx, sg.name, vpcId),
          (x) => !x || ctx.owned(tagsOfEc2(x.Tags)),
        );
        return g ? mustOwn(ctx, g, vpcId).GroupId : undefined;
      },
      `security group ${sg.name}`,
    ),
  );
  if (!created) return pending(`security group ${sg.name}`);
  // A group adopted after a lost answer may already have some rules: authorize treats duplicates as done.
  await syncIngress(ctx, created, sg, []);
  return known(created);
}

async function syncIngress(
  ctx: Ctx,
  GroupId: string,
  sg: DesiredSecurityGroup,
  have: ReturnType<typeof observedCidrRules>,
) {
  const { authorize, revoke } = diffIngress(have, sg.ingress);
  if (authorize.length) {
    await ctx.write(
      {
        action: 'update',
        kind: 'SecurityGroup',
        resource: sg.name,
        detail: `allow ${describeRules(authorize)}`,
      },
      () =>
        ctx.clients.ec2
          .send(
            new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: toIpPermissions(authorize) }),
          )
          .catch((err) => {
            if (awsErrorCode(err) !== 'InvalidPermission.Duplicate') throw err;
          }),
    );
  }
  if (revoke.length) {
    await ctx.write(
      {
        action: 'update',
        kind: 'SecurityGroup',
        resource: sg.name,
        detail: `revoke ${describeRules(revoke)}`,
      },
      () =>
        deleted(() =>
          ctx.clients.ec2.send(
            new RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: toIpPermissions(revoke) }),
          ),
        ),
    );
  }
}

async function resolveRefs(
  ctx: Ctx,
  refs: readonly ResourceRef[],
  vpcId: string | undefined,
): Promise<string[]> {
  const ids = refs.flatMap((r) => (r.kind === 'id' ? [r.id] : []));
  const names = refs.flatMap((r) => (r.kind === 'name' ? [r.name] : []));
  if (names.length === 0) return ids;
  const r = await ctx.clients.ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [{ Name: 'tag:Name', Values: names }, ...(vpcId ? [{ Name: 'vpc-id', Values: [vpcId] }] : [])],
    }),
  );
  const groups = r.SecurityGroups ?? [];
  for (const n of names) {
    if (!groups.some((g) => tagsOfEc2(g.Tags).Name === n)) {
      throw new ReconcileFailure(
        'NotFound',
        `no security group has the Name tag "${n}" (alb.ingress.kubernetes.io/security-groups)`,
        n,
      );
    }
  }
  return [...ids, ...groups.map((g) => g.GroupId ?? '')];
}

/** Deletes the stack's security groups other than `keep` (all of them when the stack goes). */
export async function deleteStaleSecurityGroups(
  ctx: Ctx,
  st: StackState,
  keep: ReadonlySet<string>,
): Promise<void> {
  for (const g of st.tagged) {
    if (g.kind !== 'securityGroup' || keep.has(g.id) || !ctx.owned(g.tags)) continue;
    await ctx.write({ action: 'delete', kind: 'SecurityGroup', resource: g.id }, () =>
      retryWhile(ctx, 'DependencyViolation', () =>
        deleted(() => ctx.clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: g.id }))),
      ),
    );
  }
}
