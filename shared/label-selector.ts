/** Kubernetes label selectors (metav1.LabelSelector) evaluated against a label set, as the API server does. */

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** Why a selector cannot be evaluated (In/NotIn need values, Exists/DoesNotExist take none). */
export function selectorProblem(s: LabelSelector): string | undefined {
  for (const [i, r] of (s.matchExpressions ?? []).entries()) {
    const n = r.values?.length ?? 0;
    if ((r.operator === 'In' || r.operator === 'NotIn') && n === 0)
      return `matchExpressions[${i}]: operator ${r.operator} needs at least one value`;
    if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && n > 0)
      return `matchExpressions[${i}]: operator ${r.operator} takes no values`;
  }
  return undefined;
}

/** An empty selector matches every label set; every term must hold. */
export function selectorMatches(s: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const r of s.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, r.key);
    const value = labels[r.key];
    const listed = has && (r.values ?? []).includes(value ?? '');
    const holds =
      r.operator === 'In' ? listed : r.operator === 'NotIn' ? !listed : r.operator === 'Exists' ? has : !has;
    if (!holds) return false;
  }
  return true;
}

/** `a=b,c in (x,y),!d` — for messages. */
export function describeSelector(s: LabelSelector): string {
  const terms = [
    ...Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(s.matchExpressions ?? []).map((r) =>
      r.operator === 'Exists'
        ? r.key
        : r.operator === 'DoesNotExist'
          ? `!${r.key}`
          : `${r.key} ${r.operator === 'In' ? 'in' : 'notin'} (${(r.values ?? []).join(',')})`,
    ),
  ];
  return terms.length ? terms.join(',') : '(everything)';
}
