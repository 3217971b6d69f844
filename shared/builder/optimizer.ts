/**
 * The LBC's per-listener rule pruning, kept for the Ingresses written for it. Its purpose is the classic
 * `actions.ssl-redirect` recipe: one redirect-to-HTTPS rule used on both the HTTP and the HTTPS listener.
 * 1. A redirect rule that would send a request to the very listener, host, path and query it came from
 *    is dropped (on the HTTPS listener it would loop forever).
 * 2. A rule is dropped when an earlier kept redirect rule matches everything it matches (on the HTTP
 *    listener nothing behind a catch-all redirect is ever reached, and each rule costs ALB quota).
 * Only host-header and path-pattern decide "matches everything": an earlier rule with any other
 * condition never shadows.
 */
import type { Protocol, RedirectAction, RuleCondition } from '../model';
import type { RuleDraft } from './rules';

export function optimizeRules(port: number, protocol: Protocol, rules: readonly RuleDraft[]): RuleDraft[] {
  const kept: RuleDraft[] = [];
  for (const rule of rules) {
    if (redirectsToItself(port, protocol, rule)) continue;
    const shadowed = kept.some((earlier) => earlier.action.type === 'redirect' && covers(earlier, rule));
    if (!shadowed) kept.push(rule);
  }
  return kept;
}

function valuesOf(conditions: readonly RuleCondition[], field: 'host-header' | 'path-pattern'): Set<string> {
  const out = new Set<string>();
  for (const c of conditions) if (c.field === field) for (const v of c.values) out.add(v);
  return out;
}

/** Each part of the redirect either keeps the request's own value or equals what the rule matched. */
function redirectsToItself(port: number, protocol: Protocol, rule: RuleDraft): boolean {
  if (rule.action.type !== 'redirect') return false;
  const r: RedirectAction = rule.action;
  const hosts = valuesOf(rule.conditions, 'host-header');
  const paths = valuesOf(rule.conditions, 'path-pattern');
  if (r.host !== undefined && r.host !== '#{host}' && !hosts.has(r.host)) return false;
  if (r.path !== undefined && r.path !== '/#{path}' && !paths.has(r.path)) return false;
  if (r.port !== undefined && r.port !== '#{port}' && r.port !== String(port)) return false;
  if (r.protocol !== undefined && r.protocol !== '#{protocol}' && r.protocol !== protocol) return false;
  if (r.query !== undefined && r.query !== '#{query}') return false;
  return true;
}

const isSuperset = (a: Set<string>, b: Set<string>) => [...b].every((v) => a.has(v));

/** True when every request `later` matches is matched by `earlier` (judged on hosts and paths only). */
function covers(earlier: RuleDraft, later: RuleDraft): boolean {
  if (earlier.conditions.some((c) => c.field !== 'host-header' && c.field !== 'path-pattern')) return false;
  const eHosts = valuesOf(earlier.conditions, 'host-header');
  const ePaths = valuesOf(earlier.conditions, 'path-pattern');
  const lHosts = valuesOf(later.conditions, 'host-header');
  const lPaths = valuesOf(later.conditions, 'path-pattern');
  const hostsCovered = eHosts.size === 0 || (lHosts.size > 0 && isSuperset(eHosts, lHosts));
  const pathsCovered =
    ePaths.size === 0 || ePaths.has('/*') || (lPaths.size > 0 && isSuperset(ePaths, lPaths));
  return hostsCovered && pathsCovered;
}
