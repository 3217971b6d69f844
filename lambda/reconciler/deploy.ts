/**
 * One stack, converged (SPEC §6.2): the digest fast path; else the parts whose digest moved (or all of
 * them: verify runs, stacks without a parts tag, anything unexpected), kind by kind in dependency order,
 * stale resources deleted in reverse; the digest and parts tags written last, in one call.
 */
import { AddTagsCommand, RemoveTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { TagCache } from '../../aws/discovery';
import { taggedResources } from '../../aws/tagged-resources';
import type { DesiredStack, Tags } from '../../shared/model';
import { CLUSTER_TAG, DIGEST_TAG, STACK_TAG } from '../../shared/tags';
import { type Ctx, pending } from './context';
import { ensureBackendSg, releaseForDeletedStack, syncTargetRules } from './kinds/backend-sg/step';
import { ensureListeners } from './kinds/listener/apply';
import {
  deleteLoadBalancer,
  ensureLoadBalancer,
  loadBalancersNamed,
  notOwned,
  observeLoadBalancers,
} from './kinds/load-balancer/apply';
import { resolveSubnets } from './kinds/load-balancer/subnets';
import { deleteStaleSecurityGroups, ensureSecurityGroups } from './kinds/security-group/apply';
import { deleteStaleTargetGroups, ensureTargetGroups } from './kinds/target-group/apply';
import { changedParts, decodeParts, encodeParts, PARTS_TAG, type PartName, stackParts } from './parts';
import { inScope, NeedsFullReconcile, type Scope, type StackState } from './state';

export interface DeployResult {
  skipped: boolean;
  dnsName?: string;
}

interface KindStep {
  /** Creates and updates, in dependency order. */
  ensure(ctx: Ctx, st: StackState, lbExisted: boolean): Promise<void>;
  /** Deletes what the stack no longer wants; run in reverse order, in full runs only. */
  cleanup?(ctx: Ctx, st: StackState): Promise<void>;
}

/** The deployment order. Rules converge inside their listener; targets inside their target group. */
const ORDER: readonly KindStep[] = [
  {
    ensure: ensureSecurityGroups,
    cleanup: (ctx, st) =>
      deleteStaleSecurityGroups(
        ctx,
        st,
        new Set(st.securityGroups.flatMap((r) => (r.kind === 'known' ? [r.id] : []))),
      ),
  },
  { ensure: ensureBackendSg },
  { ensure: ensureTargetGroups, cleanup: deleteStaleTargetGroups },
  { ensure: syncTargetRules },
  { ensure: ensureLoadBalancer },
  { ensure: ensureListeners },
];

export async function deploy(ctx: Ctx): Promise<DeployResult> {
  const desired = ctx.snapshot.stack;
  if (desired === null) {
    await deleteStack(ctx);
    return { skipped: false };
  }
  const current = await currentLoadBalancer(ctx, desired);
  if (current && !ctx.snapshot.verify && current.tags[DIGEST_TAG] === ctx.snapshot.digest) {
    return { skipped: true, ...(current.lb.DNSName ? { dnsName: current.lb.DNSName } : {}) };
  }
  const parts = stackParts(desired);
  const known = ctx.snapshot.verify ? undefined : decodeParts(current?.tags[PARTS_TAG]);
  const changed = known ? changedParts(parts, known) : undefined;
  const scope = scopeOf(changed);
  let st = initialState(desired, scope, current);
  try {
    await converge(ctx, st);
  } catch (err) {
    if (!(err instanceof NeedsFullReconcile)) throw err;
    st = initialState(desired, { kind: 'all' }, current);
    await converge(ctx, st);
  }
  await writeDigest(ctx, st, encodeParts(parts));
  return { skipped: false, ...(st.lb?.DNSName ? { dnsName: st.lb.DNSName } : {}) };
}

/**
 * Listener and target changes — the everyday edits — converge alone. A change to the security group,
 * the load balancer or the set of target groups can strand resources elsewhere, so it converges all.
 */
function scopeOf(changed: ReadonlySet<PartName> | undefined): Scope {
  if (!changed || ['sg', 'lb', 'tg'].some((p) => changed.has(p as PartName))) return { kind: 'all' };
  return { kind: 'parts', parts: changed };
}

/** The stack's load balancer by its name, proven ours by its tags (one DescribeTags rides along). */
async function currentLoadBalancer(ctx: Ctx, desired: DesiredStack): Promise<StackState['current']> {
  const [lb] = await loadBalancersNamed(ctx, desired.loadBalancer.name);
  if (!lb?.LoadBalancerArn) return undefined;
  const tags = (await new TagCache(ctx.clients).of([lb.LoadBalancerArn])).get(lb.LoadBalancerArn) ?? {};
  if (!ctx.owned(tags)) throw notOwned(ctx, desired.loadBalancer.name, lb.LoadBalancerArn);
  return { lb, tags };
}

function initialState(desired: DesiredStack, scope: Scope, current: StackState['current']): StackState {
  return {
    desired,
    scope,
    tagged: [],
    current,
    lb: undefined,
    lbRef: pending(`load balancer ${desired.loadBalancer.name}`),
    replaced: [],
    subnets: undefined,
    vpcId: undefined,
    securityGroups: [],
    targetGroups: new Map(),
    externalTargetGroups: new Map(),
  };
}

async function converge(ctx: Ctx, st: StackState): Promise<void> {
  const full = st.scope.kind === 'all';
  if (full) st.tagged = await taggedResources(ctx.clients, stackTags(ctx));
  await observeLoadBalancers(ctx, st);
  const lbExisted = st.lb !== undefined;
  if (!st.lb || inScope(st.scope, 'lb'))
    st.subnets = await resolveSubnets(ctx, st.desired.loadBalancer, st.lb);
  st.vpcId = ctx.vpcId ?? st.lb?.VpcId ?? st.subnets?.vpcId;
  for (const step of ORDER) await step.ensure(ctx, st, lbExisted);
  if (full) for (const step of [...ORDER].reverse()) await step.cleanup?.(ctx, st);
}

const stackTags = (ctx: Ctx): Tags => ({ [CLUSTER_TAG]: ctx.cluster, [STACK_TAG]: ctx.stackId });

/**
 * The digest and the parts in one AddTags: the mark that everything before it is done. Planned too, so
 * a plan of an adopted stack shows the one write its reconcile will make.
 */
async function writeDigest(ctx: Ctx, st: StackState, parts: string | undefined): Promise<void> {
  if (st.lbRef.kind !== 'known' && !ctx.dryRun) return;
  const arn = st.lbRef.kind === 'known' ? st.lbRef.id : '';
  const have = st.current && st.current.lb.LoadBalancerArn === arn ? st.current.tags : {};
  const want: Tags = { [DIGEST_TAG]: ctx.snapshot.digest, ...(parts ? { [PARTS_TAG]: parts } : {}) };
  const set = Object.entries(want).filter(([k, v]) => have[k] !== v);
  const name = st.desired.loadBalancer.name;
  if (set.length) {
    await ctx.write(
      {
        action: 'update',
        kind: 'Tags',
        resource: name,
        detail: `LoadBalancer tags ${set.map(([k]) => k).join(', ')}`,
      },
      () =>
        ctx.clients.elbv2.send(
          new AddTagsCommand({ ResourceArns: [arn], Tags: set.map(([Key, Value]) => ({ Key, Value })) }),
        ),
    );
  }
  if (!parts && have[PARTS_TAG] !== undefined) {
    await ctx.write(
      { action: 'update', kind: 'Tags', resource: name, detail: `LoadBalancer untag ${PARTS_TAG}` },
      () => ctx.clients.elbv2.send(new RemoveTagsCommand({ ResourceArns: [arn], TagKeys: [PARTS_TAG] })),
    );
  }
}

/**
 * Everything the stack has, found by tag — so a deletion cut short is finished, never stranded. The
 * cluster-wide part (the backend SG's rules on the targets' groups, the backend SG) goes while the stack
 * still has tagged resources: after the last of them, nothing would lead a retry or `--prune` back to it.
 */
async function deleteStack(ctx: Ctx): Promise<void> {
  const tagged = await taggedResources(ctx.clients, stackTags(ctx));
  for (const r of tagged) {
    if (r.kind !== 'loadBalancer' || !ctx.owned(r.tags)) continue;
    await deleteLoadBalancer(
      ctx,
      { LoadBalancerArn: r.arn, LoadBalancerName: r.arn.split('/')[2] },
      'stack deleted',
    );
  }
  await releaseForDeletedStack(ctx);
  const st: StackState = { ...initialState(emptyStack, { kind: 'all' }, undefined), tagged };
  await deleteStaleTargetGroups(ctx, st);
  await deleteStaleSecurityGroups(ctx, st, new Set());
}

/** A stack with nothing in it: what a deletion converges to. */
const emptyStack: DesiredStack = {
  loadBalancer: {
    name: '',
    scheme: 'internal',
    ipAddressType: 'ipv4',
    subnets: { kind: 'discover' },
    securityGroups: { kind: 'managed' },
    attributes: {},
    tags: {},
  },
  securityGroup: null,
  targetGroups: [],
  listeners: [],
};
