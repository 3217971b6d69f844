/**
 * Target security-group rules on AWS: reads what `diff.ts` needs, then sends its operations through the
 * reconcile's `Write` (so a plan shows them and sends nothing).
 *
 * `syncTargetSecurityGroupRules` cost, for one stack:
 * - always: ⌈instances/199⌉ DescribeInstances (instance mode) and ⌈pod IPs/199⌉ DescribeNetworkInterfaces
 *   (ip mode; plus ⌈VPC interfaces/1000⌉ when some IP was not found by the address filter), and one
 *   DescribeSecurityGroups for the targets' groups (per 199 groups; usually 1). Steady state: 2–3 reads,
 *   0 writes. A new port: 1 AuthorizeSecurityGroupIngress per target security group.
 * - `mayRevoke` (a target group went or changed its ports, the stack is deleted, or a verify run):
 *   + ⌈cluster target groups/100⌉ GetResources, + ⌈other stacks' target groups/20⌉ DescribeTargetGroups,
 *   + 1 DescribeTargetHealth per ip target group whose port is the named-port placeholder, + 1 paged
 *   DescribeSecurityGroups of the groups admitting the backend SG; 1 RevokeSecurityGroupIngress per group
 *   that loses rules.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import type { AwsClients } from '../../../../aws/clients';
import { securityGroupsWhere, tagsOfEc2, targetGroupsByArn } from '../../../../aws/discovery';
import type { DesiredTargetGroup } from '../../../../shared/model';
import { CLUSTER_TAG, STACK_TAG } from '../../../../shared/tags';
import { awsErrorCode, ReconcileFailure } from '../../errors';
import { type BackendSgContext, isPlannedGroupId } from './context';
import {
  authorizePermissions,
  diffTargetRules,
  type PortNeed,
  type RuleOperation,
  revokePermissions,
  type SourceRule,
  sourceRulesOf,
} from './diff';
import { instanceInterfaces, podInterfaces, type TargetInterface } from './enis';
import {
  chooseTargetSecurityGroup,
  needsOf,
  type ObservedTargetGroup,
  portIsPlaceholder,
  portsOf,
  portsOfObserved,
} from './needs';

export interface TargetRulesInput {
  /** From `ensureBackendSecurityGroup` (a planned id while planning). */
  backendSgId: string;
  /** This stack's desired target groups; empty when the stack is being deleted. */
  targetGroups: readonly DesiredTargetGroup[];
  vpcId: string;
  /** This stack: its target groups on AWS are replaced by `targetGroups` when counting what is needed. */
  stackId: string;
  /**
   * True when this run can have made a rule unneeded: a target group deleted or its ports changed, the
   * stack deleted, or a verify run. Only then are rules revoked, and only then is the (cluster-sized)
   * set of needed ports read; otherwise the run only adds and costs O(this stack).
   */
  mayRevoke: boolean;
}

export interface TargetRulesResult {
  /**
   * Targets whose network interface was not found (a node or pod that just went), or has no security
   * group at all (moto's instances): nothing opened for them.
   */
  unresolvedTargets: string[];
  /** The security groups the targets' traffic enters through. */
  targetSecurityGroups: string[];
  authorized: number;
  revoked: number;
}

const GROUP_IDS_PER_CALL = 199;

async function groupsById(c: AwsClients, ids: readonly string[]): Promise<Map<string, SecurityGroup>> {
  const out = new Map<string, SecurityGroup>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += GROUP_IDS_PER_CALL) {
    const chunk = unique.slice(i, i + GROUP_IDS_PER_CALL);
    for (const g of await securityGroupsWhere(c, [{ Name: 'group-id', Values: chunk }]))
      if (g.GroupId) out.set(g.GroupId, g);
  }
  return out;
}

export async function syncTargetSecurityGroupRules(
  ctx: BackendSgContext,
  input: TargetRulesInput,
): Promise<TargetRulesResult> {
  const { clients: c, cluster } = ctx;
  const { backendSgId } = input;
  const planned = isPlannedGroupId(backendSgId);

  // 1. The targets' interfaces.
  const instanceIds = input.targetGroups
    .filter((tg) => tg.targetType === 'instance')
    .flatMap((tg) => tg.targets.map((t) => t.id));
  const podIps = input.targetGroups
    .filter((tg) => tg.targetType === 'ip')
    .flatMap((tg) => tg.targets.map((t) => t.id));
  const interfaceOf = new Map<string, TargetInterface>([
    ...(instanceIds.length ? await instanceInterfaces(c, instanceIds) : []),
    ...(podIps.length ? await podInterfaces(c, input.vpcId, podIps) : []),
  ]);

  // 2. Their security groups (tags to choose among several, rules to diff) in one read.
  const groups = await groupsById(
    c,
    [...interfaceOf.values()].flatMap((i) => i.groupIds),
  );
  const chosen = new Map<string, string>();
  for (const eni of new Map([...interfaceOf.values()].map((i) => [i.eniId, i])).values()) {
    const choice = chooseTargetSecurityGroup(
      { id: eni.eniId, groupIds: eni.groupIds },
      (id) => (groups.has(id) ? tagsOfEc2(groups.get(id)?.Tags) : undefined),
      cluster,
    );
    if ('conflict' in choice) throw new ReconcileFailure('Conflict', choice.conflict, eni.eniId);
    if ('groupId' in choice) chosen.set(eni.eniId, choice.groupId);
  }
  const groupOf = (targetId: string) => {
    const eni = interfaceOf.get(targetId);
    return eni ? chosen.get(eni.eniId) : undefined;
  };
  const unresolvedTargets = [...new Set([...instanceIds, ...podIps])].filter((id) => !groupOf(id));
  const needs: PortNeed[] = input.targetGroups.flatMap((tg) => needsOf(tg, groupOf));
  const targetSecurityGroups = [...new Set(chosen.values())].sort();
  const observed = new Map<string, SourceRule[]>(
    targetSecurityGroups.map((id) => [id, sourceRulesOf(id, groups.get(id)?.IpPermissions)]),
  );

  // 3. Only when something may have become unneeded: what the whole cluster still needs, and every
  //    group that admits the backend SG (a node group's SG this stack no longer reaches included).
  let clusterPorts: Set<number> | undefined;
  if (input.mayRevoke && !planned) {
    clusterPorts = await portsNeededByOtherStacks(c, cluster, input.stackId);
    for (const tg of input.targetGroups) for (const p of portsOf(tg)) clusterPorts.add(p);
    for (const g of await securityGroupsWhere(c, [
      { Name: 'vpc-id', Values: [input.vpcId] },
      { Name: 'ip-permission.group-id', Values: [backendSgId] },
    ])) {
      if (g.GroupId) observed.set(g.GroupId, sourceRulesOf(g.GroupId, g.IpPermissions));
    }
  }

  const ops = diffTargetRules({
    backendSgId,
    needs,
    observed: [...observed.values()].flat(),
    ...(clusterPorts ? { clusterPorts } : {}),
  });
  let authorized = 0;
  let revoked = 0;
  // Authorize before revoking: a rule being replaced never leaves a gap.
  for (const op of ops.filter((o) => o.kind === 'authorize'))
    authorized += await authorize(ctx, backendSgId, op, needs);
  for (const op of ops.filter((o) => o.kind === 'revoke')) revoked += await revoke(ctx, backendSgId, op);
  return { unresolvedTargets, targetSecurityGroups, authorized, revoked };
}

async function authorize(
  ctx: BackendSgContext,
  backendSgId: string,
  op: Extract<RuleOperation, { kind: 'authorize' }>,
  needs: readonly PortNeed[],
): Promise<number> {
  const send = (ports: readonly number[]) =>
    ctx.write(
      {
        action: 'create',
        kind: 'TargetSecurityGroupRule',
        resource: op.groupId,
        detail: `allow tcp ${ports.join(', ')} from ${backendSgId}`,
      },
      () =>
        ctx.clients.ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: op.groupId,
            IpPermissions: authorizePermissions(backendSgId, ports),
          }),
        ),
    );
  try {
    await send(op.ports);
    return op.ports.length;
  } catch (err) {
    // A concurrent reconcile (or our own retried call) added some of them: add what is still missing.
    if (awsErrorCode(err) !== 'InvalidPermission.Duplicate') throw err;
    const fresh = await groupsById(ctx.clients, [op.groupId]);
    const again = diffTargetRules({
      backendSgId,
      needs: needs.filter((n) => n.groupId === op.groupId),
      observed: sourceRulesOf(op.groupId, fresh.get(op.groupId)?.IpPermissions),
    });
    const ports = again.flatMap((o) => (o.kind === 'authorize' ? o.ports : []));
    if (ports.length) await send(ports);
    return ports.length;
  }
}

async function revoke(
  ctx: BackendSgContext,
  backendSgId: string,
  op: Extract<RuleOperation, { kind: 'revoke' }>,
): Promise<number> {
  const send = (rules: readonly SourceRule[]) =>
    ctx.write(
      {
        action: 'delete',
        kind: 'TargetSecurityGroupRule',
        resource: op.groupId,
        detail: `revoke ${rules.map((r) => `${r.protocol} ${r.fromPort === r.toPort ? r.fromPort : `${r.fromPort}-${r.toPort}`}`).join(', ')} from ${backendSgId}`,
      },
      () =>
        ctx.clients.ec2.send(
          new RevokeSecurityGroupIngressCommand({
            GroupId: op.groupId,
            IpPermissions: revokePermissions(rules),
          }),
        ),
    );
  try {
    await send(op.rules);
    return op.rules.length;
  } catch (err) {
    // Someone revoked one of them first: revoke those still there.
    if (awsErrorCode(err) !== 'InvalidPermission.NotFound') throw err;
    const fresh = await groupsById(ctx.clients, [op.groupId]);
    const present = sourceRulesOf(op.groupId, fresh.get(op.groupId)?.IpPermissions);
    const rest = op.rules.filter((r) => present.some((p) => JSON.stringify(p) === JSON.stringify(r)));
    if (rest.length) await send(rest);
    return rest.length;
  }
}

/**
 * The ports every target group of the cluster except this stack's needs, from AWS: the cluster's target
 * groups by tag (any stack, the LBC's included), then their ports and health-check ports.
 */
async function portsNeededByOtherStacks(
  c: AwsClients,
  cluster: string,
  stackId: string,
): Promise<Set<number>> {
  const arns: string[] = [];
  let PaginationToken: string | undefined;
  do {
    const r = await c.tagging.send(
      new GetResourcesCommand({
        TagFilters: [{ Key: CLUSTER_TAG, Values: [cluster] }],
        ResourceTypeFilters: ['elasticloadbalancing:targetgroup'],
        ResourcesPerPage: 100,
        ...(PaginationToken ? { PaginationToken } : {}),
      }),
    );
    for (const m of r.ResourceTagMappingList ?? []) {
      const stack = m.Tags?.find((t) => t.Key === STACK_TAG)?.Value;
      if (m.ResourceARN && stack !== stackId) arns.push(m.ResourceARN);
    }
    PaginationToken = r.PaginationToken || undefined;
  } while (PaginationToken);

  const ports = new Set<number>();
  for (const tg of await targetGroupsByArn(c, arns)) {
    const observed: ObservedTargetGroup = {
      ...(tg.Port !== undefined ? { port: tg.Port } : {}),
      ...(tg.HealthCheckPort ? { healthCheckPort: tg.HealthCheckPort } : {}),
      ...(tg.TargetType ? { targetType: tg.TargetType } : {}),
    };
    if (portIsPlaceholder(observed) && tg.TargetGroupArn) {
      const h = await c.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
      observed.targetPorts = (h.TargetHealthDescriptions ?? []).flatMap((d) =>
        d.Target?.Port !== undefined ? [d.Target.Port] : [],
      );
    }
    for (const p of portsOfObserved(observed)) ports.add(p);
  }
  return ports;
}
