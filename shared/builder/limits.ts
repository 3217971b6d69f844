/**
 * ALB quotas checked in the model (SPEC §4), so that a group that AWS would refuse fails at admission
 * with the limit named instead of half-way through a reconcile.
 */
import type { RuleCondition } from '../model';
import type { FieldProblem } from '../problems';
import type { BuildContext, Member } from './context';

export const LIMITS = {
  rulesPerListener: 100,
  conditionValuesPerRule: 5,
  targetGroupsPerLoadBalancer: 100,
  /** AWS's default quota (adjustable on request). */
  targetsPerLoadBalancer: 1000,
} as const;

/** Every value of every condition counts towards the per-rule quota, as AWS counts them. */
export function conditionValuesProblem(
  conditions: readonly RuleCondition[],
  field: string,
): FieldProblem | undefined {
  const count = conditions.reduce((n, c) => n + c.values.length, 0);
  if (count <= LIMITS.conditionValuesPerRule) return undefined;
  return {
    field,
    value: `${count} condition values`,
    expected: `at most ${LIMITS.conditionValuesPerRule} condition values per rule (ALB limit)`,
  };
}

/** Blamed on the last member on the listener: it is the one whose rules pushed the count over. */
export function checkRulesPerListener(
  ctx: BuildContext,
  port: number,
  ruleCount: number,
  members: readonly Member[],
): void {
  const culprit = members.at(-1);
  if (ruleCount <= LIMITS.rulesPerListener || !culprit) return;
  ctx.findings.problem({
    object: culprit.ref,
    field: `listener ${port}`,
    value: `${ruleCount} rules`,
    expected: `at most ${LIMITS.rulesPerListener} rules per listener (ALB limit)`,
  });
}

export function checkTargetGroupCount(ctx: BuildContext): void {
  const culprit = ctx.members.at(-1);
  const count = ctx.targetGroups.size;
  if (count <= LIMITS.targetGroupsPerLoadBalancer || !culprit) return;
  ctx.findings.problem({
    object: culprit.ref,
    field: 'target groups',
    value: `${count} target groups`,
    expected: `at most ${LIMITS.targetGroupsPerLoadBalancer} target groups per load balancer (ALB limit)`,
  });
}

/**
 * AWS counts a registration, not a machine: an instance or IP registered in three target groups of the
 * load balancer counts three times (instance targets: once per node per target group).
 */
export function checkTargetCount(ctx: BuildContext): void {
  const culprit = ctx.members.at(-1);
  let count = 0;
  for (const tg of ctx.targetGroups.values()) count += tg.targets.length;
  if (count <= LIMITS.targetsPerLoadBalancer || !culprit) return;
  ctx.findings.problem({
    object: culprit.ref,
    field: 'targets',
    value: `${count} targets`,
    expected: `at most ${LIMITS.targetsPerLoadBalancer} targets per load balancer (ALB quota; a target counts once for each target group it is registered in)`,
  });
}
