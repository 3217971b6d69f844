import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ExistingRule,
  MAX_PRIORITY,
  planRules,
  type WantedRule,
} from '../../lambda/reconciler/kinds/rule/plan';

/** Applies a plan to a simulated listener the way ELBv2 (and moto) would, failing on any collision. */
function apply(existing: readonly ExistingRule[], wanted: readonly WantedRule[]) {
  const rules = new Map(existing.map((e) => [e.arn, { priority: e.priority, key: e.key }]));
  const atPriority = () => {
    const seen = new Map<number, string>();
    for (const [arn, r] of rules) {
      expect(seen.has(r.priority), `two rules at priority ${r.priority}`).toBe(false);
      seen.set(r.priority, arn);
    }
    return seen;
  };
  const servedKeys = () => new Set([...rules.values()].map((r) => r.key));
  // Content present before and after must be served at every step (no window without a rule).
  const keep = [...new Set(existing.map((e) => e.key))].filter((k) => wanted.some((w) => w.key === k));
  let created = 0;
  for (const step of planRules(existing, wanted)) {
    const occupied = atPriority();
    if (step.type === 'move') {
      for (const m of step.moves) {
        expect(occupied.has(m.priority), `move target ${m.priority} occupied`).toBe(false);
        expect(m.priority).toBeGreaterThanOrEqual(1);
        expect(m.priority).toBeLessThanOrEqual(MAX_PRIORITY);
      }
      for (const m of step.moves) rules.get(m.arn)!.priority = m.priority;
    } else if (step.type === 'modify') {
      rules.get(step.arn)!.key = wanted[step.wanted]!.key;
    } else if (step.type === 'create') {
      const w = wanted[step.wanted]!;
      expect(occupied.has(w.priority), `create at occupied ${w.priority}`).toBe(false);
      rules.set(`new-${created++}`, { priority: w.priority, key: w.key });
    } else {
      expect(rules.delete(step.arn)).toBe(true);
    }
    atPriority();
    const served = servedKeys();
    for (const k of keep) expect(served.has(k), `key ${k} unserved`).toBe(true);
  }
  return rules;
}

const keyArb = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
const rulesArb = (n: number) =>
  fc.uniqueArray(fc.record({ priority: fc.integer({ min: 1, max: 12 }), key: keyArb }), {
    maxLength: n,
    selector: (r) => r.priority,
  });

describe('planRules', () => {
  it('never puts two rules at one priority and ends at the desired set (property)', () => {
    fc.assert(
      fc.property(rulesArb(10), rulesArb(10), (ex, wanted) => {
        const existing = ex.map((e, i) => ({ ...e, arn: `arn-${i}` }));
        const final = apply(existing, wanted);
        const got = [...final.values()].map((r) => `${r.priority}:${r.key}`).sort();
        expect(got).toEqual(wanted.map((w) => `${w.priority}:${w.key}`).sort());
      }),
      { numRuns: 500 },
    );
  });

  it('is empty when nothing changes', () => {
    const existing = [
      { arn: 'x', priority: 1, key: 'a' },
      { arn: 'y', priority: 2, key: 'b' },
    ];
    expect(planRules(existing, existing)).toEqual([]);
  });

  it('swaps two rules via a temporary priority, never in one call', () => {
    const steps = planRules(
      [
        { arn: 'x', priority: 1, key: 'a' },
        { arn: 'y', priority: 2, key: 'b' },
      ],
      [
        { priority: 1, key: 'b' },
        { priority: 2, key: 'a' },
      ],
    );
    expect(steps.every((s) => s.type === 'move')).toBe(true);
    expect(steps.length).toBeGreaterThan(1);
  });

  it('modifies in place when only the content at a priority changes, then creates before deleting', () => {
    expect(planRules([{ arn: 'x', priority: 1, key: 'a' }], [{ priority: 1, key: 'b' }])).toEqual([
      { type: 'modify', arn: 'x', wanted: 0 },
    ]);
    const steps = planRules(
      [{ arn: 'x', priority: 1, key: 'a' }],
      [
        { priority: 2, key: 'a' },
        { priority: 1, key: 'c' },
      ],
    );
    expect(steps.map((s) => s.type)).toEqual(['move', 'create']);
  });
});
