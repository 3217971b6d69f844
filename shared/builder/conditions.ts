/**
 * A rule's conditions (SPEC §4): the `conditions.<service>` annotation's other conditions first, in the
 * order written, then one host-header and one path-pattern condition. As the LBC does, host-header and
 * path-pattern values from the annotation join the rule's own host and path values in those single
 * conditions (ALB allows each field once per rule), rule values first.
 */
import type { AnnotationCondition } from '../annotations/types';
import type { RuleCondition } from '../model';

function appendUnique(into: string[], values: readonly string[]): void {
  for (const v of values) if (!into.includes(v)) into.push(v);
}

/**
 * `host` is the Ingress rule's host ('' or undefined: none); `pathValues` the path's patterns (undefined:
 * the path sets none). A rule left with no condition at all matches every path, as `/*`.
 */
export function ruleConditions(
  annotation: readonly AnnotationCondition[],
  host: string | undefined,
  pathValues: readonly string[] | undefined,
): RuleCondition[] {
  const conditions: RuleCondition[] = [];
  const hosts: string[] = host ? [host] : [];
  const paths: string[] = pathValues ? [...pathValues] : [];
  for (const c of annotation) {
    if (c.field === 'host-header') appendUnique(hosts, c.values);
    else if (c.field === 'path-pattern') appendUnique(paths, c.values);
    else conditions.push(c);
  }
  if (hosts.length > 0) conditions.push({ field: 'host-header', values: hosts });
  if (paths.length > 0) conditions.push({ field: 'path-pattern', values: paths });
  // Only a rule with no condition at all gets `/*`, as the LBC builds it: a header-only rule with five
  // values is within ALB's limit of five condition values, and an adopted LBC rule stays unchanged.
  if (conditions.length === 0) conditions.push({ field: 'path-pattern', values: ['/*'] });
  return conditions;
}
