/**
 * One IngressGroup's desired stack (SPEC §2, §4), step by step: merge the members' group-wide settings,
 * plan the listen ports, build each member's rules once, give each listener its default action and its
 * rules (pruned as the LBC prunes them), then check the ALB limits. Every step reports into the
 * context's one collector; any problem or conflict fails the whole group (`stack` undefined).
 */
import type { GroupId } from '../groups';
import type { DesiredListener, DesiredStack, ResourceRef } from '../model';
import { loadBalancerName } from '../names';
import { RESOURCE_ID, resourceTags } from '../tags';
import type { ClusterIndex } from './cluster-index';
import { type BuildContext, type GroupBuild, type Member, newContext } from './context';
import { checkRulesPerListener, checkTargetCount, checkTargetGroupCount } from './limits';
import {
  checkCertificates,
  DEFAULT_SSL_POLICY,
  defaultAction,
  type PortPlan,
  planPorts,
  redirectsToHttps,
} from './listeners';
import type { GroupSettings } from './members';
import { optimizeRules } from './optimizer';
import { memberRules, numberRules, type RuleDraft } from './rules';
import { managedSecurityGroup } from './security-group';

export type { Conflict, GroupBuild, Member } from './context';
export { LIMITS } from './limits';
export { effectiveListenPorts } from './listeners';
export { conflictProblem } from './members';

/** `members` must be in member order. */
export function buildGroup(
  cluster: string,
  group: GroupId,
  stackId: string,
  members: readonly Member[],
  index: ClusterIndex,
): GroupBuild {
  const ctx = newContext(cluster, group, stackId, members, index);
  const { settings } = ctx;
  const plans = planPorts(ctx);
  const listeners = buildListeners(ctx, settings, plans);
  checkTargetGroupCount(ctx);
  checkTargetCount(ctx);
  const { problems, conflicts, warnings } = ctx.findings;
  if (ctx.findings.failed) return { stack: undefined, problems, conflicts, warnings };
  return { stack: assembleStack(ctx, settings, plans, listeners), problems, conflicts, warnings };
}

function buildListeners(
  ctx: BuildContext,
  settings: GroupSettings,
  plans: readonly PortPlan[],
): DesiredListener[] {
  // A member's rules do not depend on the port, so they are built once however many ports it is on.
  const drafts = new Map<Member, RuleDraft[]>();
  const rulesOf = (m: Member) => {
    let d = drafts.get(m);
    if (!d) {
      d = memberRules(ctx, m);
      drafts.set(m, d);
    }
    return d;
  };
  return plans.map((plan) => {
    const action = defaultAction(ctx, plan, settings);
    const ruleDrafts = redirectsToHttps(plan, settings)
      ? []
      : optimizeRules(plan.port, plan.protocol, plan.members.flatMap(rulesOf));
    checkRulesPerListener(ctx, plan.port, ruleDrafts.length, plan.members);
    checkCertificates(ctx, plan);
    const https = plan.protocol === 'HTTPS';
    return {
      port: plan.port,
      protocol: plan.protocol,
      certificateArns: https ? plan.certificates : [],
      ...(https && plan.discoverFor.length > 0 ? { discoverCertificatesFor: plan.discoverFor } : {}),
      ...(https ? { sslPolicy: plan.sslPolicy?.v ?? DEFAULT_SSL_POLICY } : {}),
      defaultAction: action,
      rules: numberRules(ctx, plan.port, ruleDrafts, settings.userTags),
      tags: resourceTags(ctx.cluster, ctx.stackId, RESOURCE_ID.listener(plan.port), settings.userTags),
    };
  });
}

function refs(items: readonly string[], idPrefix: string): ResourceRef[] {
  return items.map((v) => (v.startsWith(idPrefix) ? { kind: 'id', id: v } : { kind: 'name', name: v }));
}

function assembleStack(
  ctx: BuildContext,
  settings: GroupSettings,
  plans: readonly PortPlan[],
  listeners: DesiredListener[],
): DesiredStack {
  const { scheme, subnets, securityGroups, wafv2AclArn, manageBackendSecurityGroupRules } = settings;
  return {
    loadBalancer: {
      name: settings.loadBalancerName ?? loadBalancerName(ctx.cluster, ctx.group, scheme),
      scheme,
      ipAddressType: settings.ipAddressType,
      subnets: subnets ? { kind: 'explicit', refs: refs(subnets, 'subnet-') } : { kind: 'discover' },
      securityGroups: securityGroups
        ? { kind: 'explicit', refs: refs(securityGroups, 'sg-') }
        : { kind: 'managed' },
      ...(securityGroups && manageBackendSecurityGroupRules ? { manageBackendSecurityGroupRules: true } : {}),
      attributes: settings.loadBalancerAttributes,
      ...(wafv2AclArn !== undefined ? { wafv2AclArn } : {}),
      tags: resourceTags(ctx.cluster, ctx.stackId, RESOURCE_ID.loadBalancer, settings.userTags),
    },
    securityGroup: managedSecurityGroup(ctx, settings, plans),
    targetGroups: [...ctx.targetGroups.values()].sort((a, b) =>
      a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0,
    ),
    listeners,
  };
}
