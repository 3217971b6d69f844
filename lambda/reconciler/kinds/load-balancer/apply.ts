/**
 * The load balancer: found by name (else by tag: a renamed or re-schemed one is still the stack's),
 * created, updated in place, or — on a scheme change — deleted and created again.
 */
import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  type LoadBalancer,
  ModifyLoadBalancerAttributesCommand,
  SetIpAddressTypeCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { allLoadBalancers, TagCache } from '../../../../aws/discovery';
import { awsErrorCode } from '../../../../aws/errors';
import type { DesiredLoadBalancer } from '../../../../shared/model';
import { DIGEST_TAG } from '../../../../shared/tags';
import { type Ctx, known, pending, refText } from '../../context';
import { ReconcileFailure } from '../../errors';
import { conflict, createOrAdopt, deleted } from '../../idempotency';
import { PARTS_TAG } from '../../parts';
import { inScope, type StackState } from '../../state';
import { syncTags, toSdkTags } from '../../tags';
import { chunks } from '../target-group/diff';
import { loadBalancerChanges } from './diff';
import { ensureWebAcl } from './web-acl';

const PAGE = 400;
/** Tags the reconciler writes itself, last: never removed as "not desired". */
export const RECONCILER_TAGS: ReadonlySet<string> = new Set([DIGEST_TAG, PARTS_TAG]);

/** Every load balancer with this name: AWS has at most one, the emulator may hold duplicates. */
export async function loadBalancersNamed(ctx: Ctx, name: string): Promise<LoadBalancer[]> {
  try {
    const r = await ctx.clients.elbv2.send(
      new DescribeLoadBalancersCommand({ Names: [name], PageSize: PAGE }),
    );
    return r.LoadBalancers ?? [];
  } catch (err) {
    if (awsErrorCode(err) === 'LoadBalancerNotFound') return [];
    throw err;
  }
}

async function byArns(ctx: Ctx, arns: readonly string[]): Promise<LoadBalancer[]> {
  const out: LoadBalancer[] = [];
  for (const LoadBalancerArns of chunks(arns, 20)) {
    try {
      out.push(
        ...((await ctx.clients.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns })))
          .LoadBalancers ?? []),
      );
    } catch (err) {
      if (awsErrorCode(err) !== 'LoadBalancerNotFound') throw err;
    }
  }
  return out;
}

/** Chooses the load balancer the stack keeps and the ones a scheme change replaces. */
export async function observeLoadBalancers(ctx: Ctx, st: StackState): Promise<void> {
  const d = st.desired.loadBalancer;
  const candidates = st.current
    ? [st.current.lb]
    : await byArns(
        ctx,
        st.tagged.filter((r) => r.kind === 'loadBalancer' && ctx.owned(r.tags)).map((r) => r.arn),
      );
  st.lb = candidates.find((lb) => lb.Scheme === d.scheme);
  st.replaced = candidates.filter((lb) => lb !== st.lb);
  if (st.lb?.LoadBalancerArn) st.lbRef = known(st.lb.LoadBalancerArn);
}

export async function ensureLoadBalancer(ctx: Ctx, st: StackState): Promise<void> {
  const d = st.desired.loadBalancer;
  const sgIds = st.securityGroups.map(refText);
  if (!st.lb) {
    // The old scheme's load balancer goes first: a target group serves one load balancer only.
    for (const lb of st.replaced) await deleteLoadBalancer(ctx, lb, 'scheme changed');
    st.replaced = [];
    const lb = await create(ctx, d, st.subnets?.ids ?? [], sgIds);
    st.lb = lb;
    st.lbRef = lb?.LoadBalancerArn ? known(lb.LoadBalancerArn) : pending(`load balancer ${d.name}`);
    if (lb?.LoadBalancerArn) {
      await syncAttributes(ctx, lb.LoadBalancerArn, d, true);
      await ensureWebAcl(ctx, lb.LoadBalancerArn, d, false);
    }
    return;
  }
  const arn = st.lb.LoadBalancerArn ?? '';
  const name = st.lb.LoadBalancerName ?? d.name;
  for (const c of loadBalancerChanges(st.lb, d, st.subnets?.ids, sgIds)) {
    const [detail, send] =
      c.kind === 'subnets'
        ? [
            `subnets ${c.subnetIds.join(', ')}`,
            () =>
              ctx.clients.elbv2.send(new SetSubnetsCommand({ LoadBalancerArn: arn, Subnets: c.subnetIds })),
          ]
        : c.kind === 'securityGroups'
          ? [
              `security groups ${c.securityGroupIds.join(', ')}`,
              () =>
                ctx.clients.elbv2.send(
                  new SetSecurityGroupsCommand({ LoadBalancerArn: arn, SecurityGroups: c.securityGroupIds }),
                ),
            ]
          : [
              `ip address type ${c.ipAddressType}`,
              () =>
                ctx.clients.elbv2.send(
                  new SetIpAddressTypeCommand({ LoadBalancerArn: arn, IpAddressType: c.ipAddressType }),
                ),
            ];
    await ctx.write({ action: 'update', kind: 'LoadBalancer', resource: name, detail }, send);
  }
  if (!inScope(st.scope, 'lb')) return;
  await syncAttributes(ctx, arn, d, false);
  const tags = st.current?.tags ?? (await new TagCache(ctx.clients).of([arn])).get(arn) ?? {};
  await syncTags(
    ctx,
    { kind: 'LoadBalancer', name, id: arn, service: 'elbv2' },
    tags,
    d.tags,
    RECONCILER_TAGS,
  );
  await ensureWebAcl(ctx, arn, d, true);
}

async function create(ctx: Ctx, d: DesiredLoadBalancer, Subnets: string[], SecurityGroups: string[]) {
  const lb = await ctx.write(
    { action: 'create', kind: 'LoadBalancer', resource: d.name, detail: `${d.scheme} ${d.ipAddressType}` },
    () =>
      createOrAdopt(
        async () =>
          (
            await ctx.clients.elbv2.send(
              new CreateLoadBalancerCommand({
                Name: d.name,
                Type: 'application',
                Scheme: d.scheme,
                IpAddressType: d.ipAddressType,
                Subnets,
                SecurityGroups,
                Tags: toSdkTags(d.tags),
              }),
            )
          ).LoadBalancers?.[0],
        ['DuplicateLoadBalancerName'],
        async () => ownedOrThrow(ctx, (await loadBalancersNamed(ctx, d.name))[0], d.name),
        `load balancer ${d.name}`,
      ),
  );
  if (!lb?.LoadBalancerArn) return lb;
  // Two writers creating at once (or a retried create in an emulator) can leave two load balancers
  // with one name: the one that sees both removes its own and yields. A lookup by name shows only one
  // of them there, so this lists the region — on creation only, which is rare.
  const same = (await allLoadBalancers(ctx.clients)).filter((x) => x.LoadBalancerName === d.name);
  if (same.length > 1) {
    await deleteLoadBalancer(ctx, lb, 'created twice');
    throw conflict(`load balancer ${d.name}`);
  }
  return lb;
}

async function ownedOrThrow(
  ctx: Ctx,
  lb: LoadBalancer | undefined,
  name: string,
): Promise<LoadBalancer | undefined> {
  if (!lb?.LoadBalancerArn) return undefined;
  const tags = (await new TagCache(ctx.clients).of([lb.LoadBalancerArn])).get(lb.LoadBalancerArn) ?? {};
  if (!ctx.owned(tags)) throw notOwned(ctx, name, lb.LoadBalancerArn);
  return lb;
}

export const notOwned = (ctx: Ctx, name: string, arn: string) =>
  new ReconcileFailure(
    'NotOwned',
    `load balancer ${name} exists but is not tagged for cluster ${ctx.cluster} and stack ${ctx.stackId}; Albatross does not take it over`,
    arn,
  );

async function syncAttributes(ctx: Ctx, arn: string, d: DesiredLoadBalancer, fresh: boolean): Promise<void> {
  const wanted = Object.entries(d.attributes);
  if (wanted.length === 0) return;
  let diff = wanted;
  if (!fresh) {
    const r = await ctx.clients.elbv2.send(
      new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }),
    );
    const have = Object.fromEntries((r.Attributes ?? []).map((a) => [a.Key ?? '', a.Value ?? '']));
    diff = wanted.filter(([k, v]) => have[k] !== v);
  }
  if (diff.length === 0) return;
  await ctx.write(
    {
      action: 'update',
      kind: 'LoadBalancer',
      resource: d.name,
      detail: `attributes ${diff.map(([k]) => k).join(', ')}`,
    },
    () =>
      ctx.clients.elbv2.send(
        new ModifyLoadBalancerAttributesCommand({
          LoadBalancerArn: arn,
          Attributes: diff.map(([Key, Value]) => ({ Key, Value })),
        }),
      ),
  );
}

export async function deleteLoadBalancer(ctx: Ctx, lb: LoadBalancer, why: string): Promise<void> {
  const arn = lb.LoadBalancerArn;
  if (!arn) return;
  await ctx.write(
    { action: 'delete', kind: 'LoadBalancer', resource: lb.LoadBalancerName ?? arn, detail: why },
    () => deleted(() => ctx.clients.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }))),
  );
}
