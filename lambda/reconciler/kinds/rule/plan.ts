/**
 * The rule-priority planner (SPEC §6.2 step 5), pure. Existing rules are matched to desired rules by
 * content first, then by priority; the plan then moves stale rules out of the way, re-prioritises,
 * modifies in place, creates, and only then deletes — so no two rules ever share a priority and no
 * path is ever without a rule.
 */
export interface ExistingRule {
  arn: string;
  priority: number;
  /** Canonical content (conditions + action); equal keys = equal rules. */
  key: string;
}

export interface WantedRule {
  priority: number;
  key: string;
}

export type RuleStep =
  /** One SetRulePriorities call: all pairs move together; every target priority is free beforehand. */
  | { type: 'move'; moves: { arn: string; priority: number }[] }
  | { type: 'modify'; arn: string; wanted: number }
  | { type: 'create'; wanted: number }
  | { type: 'delete'; arn: string };

export const MAX_PRIORITY = 50000;

export function planRules(existing: readonly ExistingRule[], wanted: readonly WantedRule[]): RuleStep[] {
  const match = new Map<number, ExistingRule>(); // wanted index → existing rule
  const used = new Set<string>();

  // 1. Content: prefer the existing rule already at the wanted priority.
  const byKey = new Map<string, ExistingRule[]>();
  for (const e of existing) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e]);
  wanted.forEach((w, i) => {
    const candidates = (byKey.get(w.key) ?? []).filter((e) => !used.has(e.arn));
    const pick = candidates.find((e) => e.priority === w.priority) ?? candidates[0];
    if (pick) {
      match.set(i, pick);
      used.add(pick.arn);
    }
  });
  // 2. Priority: an unmatched rule at the wanted priority is modified in place (one atomic call).
  const modify = new Set<number>();
  wanted.forEach((w, i) => {
    if (match.has(i)) return;
    const e = existing.find((x) => !used.has(x.arn) && x.priority === w.priority);
    if (e) {
      match.set(i, e);
      used.add(e.arn);
      modify.add(i);
    }
  });
  const stale = existing.filter((e) => !used.has(e.arn));

  // Priorities in use as the plan runs; temporaries are taken from the top, never wanted ones.
  const occupied = new Set(existing.map((e) => e.priority));
  const wantedPriorities = new Set(wanted.map((w) => w.priority));
  let nextTemp = MAX_PRIORITY;
  const temp = () => {
    while (occupied.has(nextTemp) || wantedPriorities.has(nextTemp)) nextTemp--;
    occupied.add(nextTemp);
    return nextTemp;
  };

  const steps: RuleStep[] = [];
  const movers = [...match].filter(([i, e]) => e.priority !== wanted[i]!.priority);
  // 3. Stale rules sitting on a wanted priority step aside (they keep serving until deleted).
  const aside = stale.filter((e) => wantedPriorities.has(e.priority));
  // Movers whose target is held by another mover need a temporary first (a swap in one call fails).
  const moverPriorities = new Set(movers.map(([, e]) => e.priority));
  const direct = movers.filter(([i]) => !moverPriorities.has(wanted[i]!.priority));
  const viaTemp = movers.filter(([i]) => moverPriorities.has(wanted[i]!.priority));

  const first: { arn: string; priority: number }[] = [];
  for (const e of aside) {
    occupied.delete(e.priority);
    first.push({ arn: e.arn, priority: temp() });
  }
  const tempOf = new Map<string, number>();
  for (const [, e] of viaTemp) {
    occupied.delete(e.priority);
    const t = temp();
    tempOf.set(e.arn, t);
    first.push({ arn: e.arn, priority: t });
  }
  if (first.length > 0) steps.push({ type: 'move', moves: first });
  // Direct movers next (their targets are free now), then the temporaries to their final places (the
  // priorities they want were vacated by the calls before): never a swap inside one call.
  for (const group of [direct, viaTemp]) {
    const moves: { arn: string; priority: number }[] = [];
    for (const [i, e] of group) {
      const p = wanted[i]!.priority;
      occupied.delete(tempOf.get(e.arn) ?? e.priority);
      occupied.add(p);
      moves.push({ arn: e.arn, priority: p });
    }
    if (moves.length > 0) steps.push({ type: 'move', moves });
  }
  for (const i of [...modify].sort((a, b) => a - b))
    steps.push({ type: 'modify', arn: match.get(i)!.arn, wanted: i });
  wanted.forEach((_, i) => {
    if (!match.has(i)) steps.push({ type: 'create', wanted: i });
  });
  for (const e of stale) steps.push({ type: 'delete', arn: e.arn });
  return steps;
}
