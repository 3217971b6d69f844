/**
 * Paths → listener rules (SPEC §4): members in member order, then `spec.rules` in order (rules without
 * `http` skipped), then each rule's paths in evaluation order. Priorities are given last, per listener,
 * after the optimizer has dropped what can never match, so they stay 1, 2, 3… without gaps.
 */
import type { Action, DesiredRule, RuleCondition, Tags } from '../model';
import { RESOURCE_ID, resourceTags } from '../tags';
import { backendAction } from './actions';
import { ruleConditions } from './conditions';
import type { BuildContext, Member } from './context';
import { conditionValuesProblem } from './limits';
import { orderPaths, pathPatterns } from './paths';

/** A rule before it has a priority. */
export interface RuleDraft {
  conditions: RuleCondition[];
  action: Action;
}

/** The member's rules in evaluation order; the same on every listener the member is on. */
export function memberRules(ctx: BuildContext, m: Member): RuleDraft[] {
  const out: RuleDraft[] = [];
  (m.ingress.spec?.rules ?? []).forEach((rule, ri) => {
    const paths = rule.http?.paths;
    if (!paths) return;
    for (const pi of orderPaths(paths)) {
      const p = paths[pi]!;
      const field = `spec.rules[${ri}].http.paths[${pi}]`;
      const patterns = pathPatterns(p);
      if (!patterns.ok) {
        ctx.findings.problem({
          object: m.ref,
          field: `${field}.path`,
          value: p.path ?? '',
          expected: patterns.expected,
        });
        continue;
      }
      const svcName = p.backend?.service?.name;
      const annotation = svcName ? (m.settings.conditions[svcName] ?? []) : [];
      const conditions = ruleConditions(annotation, rule.host, patterns.values);
      const tooMany = conditionValuesProblem(conditions, field);
      if (tooMany) {
        ctx.findings.problem({ ...tooMany, object: m.ref });
        continue;
      }
      out.push({ conditions, action: backendAction(ctx, m, p.backend, field) });
    }
  });
  return out;
}

export function numberRules(
  ctx: BuildContext,
  port: number,
  drafts: readonly RuleDraft[],
  userTags: Tags,
): DesiredRule[] {
  return drafts.map((d, i) => ({
    priority: i + 1,
    conditions: d.conditions,
    action: d.action,
    tags: resourceTags(ctx.cluster, ctx.stackId, RESOURCE_ID.rule(port, i + 1), userTags),
  }));
}
