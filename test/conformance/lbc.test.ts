/**
 * The AWS Load Balancer Controller's model-builder reference cases, run against Albatross's builder.
 * A case without a status must build what LBC builds; a deviation or unsupported case asserts what
 * Albatross does instead (and so can still fail).
 */
import { describe, expect, it } from 'vitest';
import { buildStacks } from '../../shared/build';
import { formatProblem, formatWarning } from '../../shared/problems';
import type { ConformanceCase, Expectation } from './case';
import { CASES } from './cases';
import { project } from './neutral';

function check(c: ConformanceCase, e: Expectation): void {
  const stackId = c.stackId ?? 'ns-1/ing-1';
  const build = buildStacks(c.objects, { clusterName: c.clusterName ?? 'cluster-dummy' }).find(
    (b) => b.stackId === stackId,
  );
  if (e.kind === 'outside-model')
    throw new Error('only an unsupported case may expect what the model cannot hold');
  if (e.kind === 'group') {
    const names = (ms: { namespace: string; name: string }[] = []) =>
      ms.map((m) => `${m.namespace}/${m.name}`);
    expect({ members: names(build?.members), inactiveMembers: names(build?.inactiveMembers) }).toEqual({
      members: e.members,
      inactiveMembers: e.inactiveMembers,
    });
    return;
  }
  expect(build, `a stack ${stackId}`).toBeDefined();
  const result = build!.result;
  const warnings = result.warnings.map(formatWarning);
  if (e.kind === 'stack') {
    const problems = result.ok ? [] : result.problems.map(formatProblem);
    expect(problems, 'problems').toEqual([]);
    if (!result.ok || !result.stack) throw new Error('no stack');
    const neutral = project(result.stack);
    expect(e.select ? e.select(neutral, result.stack) : neutral).toEqual(e.equals);
    for (const w of e.warnings ?? [])
      expect(warnings, `a warning matching ${w}`).toContainEqual(expect.stringMatching(w));
    return;
  }
  expect(result.ok, 'the build fails').toBe(false);
  const problems = result.ok ? [] : result.problems.map(formatProblem);
  for (const p of e.problems)
    expect(problems, `a problem matching ${p}`).toContainEqual(expect.stringMatching(p));
}

describe('AWS Load Balancer Controller reference cases', () => {
  it('at least 40 cases, each named once per source', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    const keys = CASES.map((c) => `${c.source} ${c.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  for (const c of CASES) {
    const title = `${c.name} (${c.source})`;
    switch (c.status) {
      case 'deviation':
        it(`${title} [deviation: ${c.deviation}]`, () => check(c, c.albatross));
        break;
      case 'unsupported':
        it(`${title} [unsupported: ${c.unsupported}]`, () => check(c, c.albatross));
        break;
      default:
        it(title, () => check(c, c.lbc));
    }
  }
});
