/** Target groups (+ attributes, tags, targets): created, updated in place, or replaced and deleted. */
import {
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { TagCache, targetGroupsByArn, targetsOf } from '../../../../aws/discovery';
import { awsErrorCode } from '../../../../aws/errors';
import type { Action, DesiredTargetGroup, Tags } from '../../../../shared/model';
import { type Ctx, known, pending, retryWhile } from '../../context';
import { ReconcileFailure } from '../../errors';
import { afterSettling, createOrAdopt, deleted } from '../../idempotency';
import { listenerPart, targetsPart } from '../../parts';
import { inScope, NeedsFullReconcile, type StackState } from '../../state';
import { syncTags, toSdkTags } from '../../tags';
import {
  chunks,
  diffAttributes,
  diffTargets,
  healthCheckDiffers,
  healthCheckParams,
  isSameTargetGroup,
} from './diff';

const TARGETS_PER_CALL = 200;
/** DescribeTargetGroups and DescribeTags take at most 20 names or ARNs on AWS. */
const PER_CALL = 20;

export async function ensureTargetGroups(ctx: Ctx, st: StackState): Promise<void> {
  if (inScope(st.scope, 'tg')) return convergeAll(ctx, st);
  // Part run: the groups are as desired; find their ARNs by name only if something below needs them.
  // Changed targets need their own groups; changed listeners only the groups they forward to.
  const targetsMoved = (i: number) => inScope(st.scope, targetsPart(i));
  const referenced = referencedByChangedListeners(st);
  const needed = st.desired.targetGroups.filter((d, i) => targetsMoved(i) || referenced.has(d.resourceId));
  if (needed.length === 0) return;
  const found = await byNames(
    ctx,
    needed.map((d) => d.name),
  );
  for (const d of needed) {
    const tg = found.get(d.name);
    if (!tg?.TargetGroupArn) throw new NeedsFullReconcile(`target group ${d.name} is missing`);
    st.targetGroups.set(d.resourceId, known(tg.TargetGroupArn));
  }
  for (const [i, d] of st.desired.targetGroups.entries())
    if (targetsMoved(i)) await syncTargets(ctx, d, st.targetGroups.get(d.resourceId)!, true);
}

function referencedByChangedListeners(st: StackState): Set<string> {
  const ids = new Set<string>();
  const visit = (a: Action) => {
    if (a.type === 'forward') for (const t of a.targetGroups) if ('targetGroup' in t) ids.add(t.targetGroup);
  };
  for (const l of st.desired.listeners) {
    if (!inScope(st.scope, listenerPart(l.port))) continue;
    visit(l.defaultAction);
    for (const r of l.rules) visit(r.action);
  }
  return ids;
}

async function byNames(ctx: Ctx, names: readonly string[]): Promise<Map<string, TargetGroup>> {
  const out = new Map<string, TargetGroup>();
  for (const Names of chunks(names, PER_CALL)) {
    try {
      const r = await ctx.clients.elbv2.send(new DescribeTargetGroupsCommand({ Names }));
      for (const tg of r.TargetGroups ?? []) out.set(tg.TargetGroupName ?? '', tg);
    } catch (err) {
      if (awsErrorCode(err) === 'TargetGroupNotFound')
        throw new NeedsFullReconcile('a target group is missing');
      throw err;
    }
  }
  return out;
}

async function convergeAll(ctx: Ctx, st: StackState): Promise<void> {
  const taggedTgs = st.tagged.filter((r) => r.kind === 'targetGroup' && ctx.owned(r.tags));
  const tagsOf = new Map(taggedTgs.map((r) => [r.arn, r.tags]));
  const owned = (
    await targetGroupsByArn(
      ctx.clients,
      taggedTgs.map((r) => r.arn),
    )
  ).map((tg) => ({
    tg,
    tags: tagsOf.get(tg.TargetGroupArn ?? '') ?? {},
  }));
  const created: { arn: string; name: string }[] = [];
  for (const d of st.desired.targetGroups) {
    const same = owned.find((o) => isSameTargetGroup(o.tg, o.tags, d));
    if (same?.tg.TargetGroupArn) {
      st.targetGroups.set(d.resourceId, known(same.tg.TargetGroupArn));
      await update(ctx, same.tg, same.tags, d);
      continue;
    }
    const arn = await create(ctx, d, st.vpcId);
    st.targetGroups.set(d.resourceId, arn ? known(arn) : pending(`target group ${d.name}`));
    if (arn) created.push({ arn, name: d.name });
  }
  await proveCreatedAreOurs(ctx, created);
}

/**
 * CreateTargetGroup is idempotent on AWS: a same-named group with the same settings comes back as if
 * created, even one that is not ours. Its tags tell (one DescribeTags per 20 groups created).
 */
async function proveCreatedAreOurs(ctx: Ctx, created: readonly { arn: string; name: string }[]) {
  if (created.length === 0) return;
  const arns = created.map((c) => c.arn);
  const tags = await afterSettling(
    () => new TagCache(ctx.clients).of(arns),
    (t) => arns.every((a) => ctx.owned(t.get(a) ?? {})),
  );
  for (const c of created) {
    if (!ctx.owned(tags.get(c.arn) ?? {})) {
      throw new ReconcileFailure(
        'NotOwned',
        `target group ${c.name} exists but is not tagged for cluster ${ctx.cluster} and stack ${ctx.stackId}`,
        c.name,
      );
    }
  }
}

async function create(
  ctx: Ctx,
  d: DesiredTargetGroup,
  vpcId: string | undefined,
): Promise<string | undefined> {
  if (!vpcId) throw new ReconcileFailure('NotFound', 'no VPC is known for the target groups; pass --vpc-id');
  const arn = await ctx.write(
    {
      action: 'create',
      kind: 'TargetGroup',
      resource: d.name,
      detail: `${d.resourceId} ${d.targetType} ${d.protocol}:${d.port}`,
    },
    () =>
      createOrAdopt(
        async () =>
          (
            await ctx.clients.elbv2.send(
              new CreateTargetGroupCommand({
                Name: d.name,
                Protocol: d.protocol,
                ProtocolVersion: d.protocolVersion,
                Port: d.port,
                VpcId: vpcId,
                TargetType: d.targetType,
                IpAddressType: d.ipAddressType,
                ...healthCheckParams(d.healthCheck),
                Tags: toSdkTags(d.tags),
              }),
            )
          ).TargetGroups?.[0]?.TargetGroupArn,
        ['DuplicateTargetGroupName'],
        // Found by name after a lost answer, or a racer's: ours when tagged so (checked by the caller).
        async () => (await byNamesLenient(ctx, d.name))?.TargetGroupArn,
        `target group ${d.name}`,
      ),
  );
  if (Object.keys(d.attributes).length) {
    await ctx.write({ action: 'update', kind: 'TargetGroup', resource: d.name, detail: 'attributes' }, () =>
      ctx.clients.elbv2.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: arn ?? '',
          Attributes: toSdkTags(d.attributes),
        }),
      ),
    );
  }
  await syncTargets(ctx, d, arn ? known(arn) : pending(d.name), false);
  return arn;
}

async function byNamesLenient(ctx: Ctx, name: string): Promise<TargetGroup | undefined> {
  try {
    return (await ctx.clients.elbv2.send(new DescribeTargetGroupsCommand({ Names: [name] })))
      .TargetGroups?.[0];
  } catch (err) {
    if (awsErrorCode(err) === 'TargetGroupNotFound') return undefined;
    throw err;
  }
}

async function update(ctx: Ctx, tg: TargetGroup, tags: Tags, d: DesiredTargetGroup): Promise<void> {
  const TargetGroupArn = tg.TargetGroupArn ?? '';
  if (healthCheckDiffers(tg, d)) {
    await ctx.write({ action: 'update', kind: 'TargetGroup', resource: d.name, detail: 'health check' }, () =>
      ctx.clients.elbv2.send(
        new ModifyTargetGroupCommand({ TargetGroupArn, ...healthCheckParams(d.healthCheck) }),
      ),
    );
  }
  if (Object.keys(d.attributes).length) {
    const r = await ctx.clients.elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn }));
    const have = Object.fromEntries((r.Attributes ?? []).map((a) => [a.Key ?? '', a.Value ?? '']));
    const diff = diffAttributes(have, d.attributes);
    if (diff.length) {
      await ctx.write(
        {
          action: 'update',
          kind: 'TargetGroup',
          resource: d.name,
          detail: `attributes ${diff.map(([k]) => k).join(', ')}`,
        },
        () =>
          ctx.clients.elbv2.send(
            new ModifyTargetGroupAttributesCommand({
              TargetGroupArn,
              Attributes: diff.map(([Key, Value]) => ({ Key, Value })),
            }),
          ),
      );
    }
  }
  await syncTags(
    ctx,
    { kind: 'TargetGroup', name: d.name, id: TargetGroupArn, service: 'elbv2' },
    tags,
    d.tags,
  );
  await syncTargets(ctx, d, known(TargetGroupArn), true);
}

/** Registers what is missing and deregisters what is extra (draining targets are already leaving). */
async function syncTargets(ctx: Ctx, d: DesiredTargetGroup, arn: ReturnType<typeof known>, existed: boolean) {
  const current = existed && arn.kind === 'known' ? await targetsOf(ctx.clients, arn.id) : [];
  const { register, deregister } = diffTargets(current, d);
  const TargetGroupArn = arn.kind === 'known' ? arn.id : '';
  for (const Targets of chunks(register, TARGETS_PER_CALL)) {
    await ctx.write(
      {
        action: 'create',
        kind: 'Targets',
        resource: d.name,
        detail: `register ${Targets.map((t) => `${t.Id}:${t.Port}`).join(', ')}`,
      },
      () => ctx.clients.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn, Targets })),
    );
  }
  for (const Targets of chunks(deregister, TARGETS_PER_CALL)) {
    await ctx.write(
      {
        action: 'delete',
        kind: 'Targets',
        resource: d.name,
        detail: `deregister ${Targets.map((t) => `${t.Id}:${t.Port ?? d.port}`).join(', ')}`,
      },
      () => ctx.clients.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn, Targets })),
    );
  }
}

/** Deletes the stack's target groups that no desired one kept (all of them when the stack goes). */
export async function deleteStaleTargetGroups(ctx: Ctx, st: StackState): Promise<void> {
  const keep = new Set([...st.targetGroups.values()].flatMap((r) => (r.kind === 'known' ? [r.id] : [])));
  for (const r of st.tagged) {
    if (r.kind !== 'targetGroup' || keep.has(r.arn) || !ctx.owned(r.tags)) continue;
    const name = r.arn.split('/')[1] ?? r.arn;
    await ctx.write({ action: 'delete', kind: 'TargetGroup', resource: name }, () =>
      retryWhile(ctx, 'ResourceInUse', () =>
        deleted(() => ctx.clients.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: r.arn }))),
      ),
    );
  }
}
