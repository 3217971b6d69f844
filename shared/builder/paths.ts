/**
 * Ingress paths → ALB path patterns and their evaluation order (SPEC §4, the path table).

 */
import type { V1HTTPIngressPath } from '@kubernetes/client-node';

/** `values` absent: no path condition (ImplementationSpecific with no path). */
export type PathPatterns = { ok: true; values?: string[] } | { ok: false; expected: string };

export function pathPatterns(p: V1HTTPIngressPath): PathPatterns {
  const type = p.pathType ?? 'ImplementationSpecific';
  const path = p.path;
  if (type === 'Exact') {
    if (!path?.startsWith('/'))
      return { ok: false, expected: 'an absolute path starting with / for pathType Exact' };
    if (/[*?]/.test(path)) return { ok: false, expected: 'no wildcard (* or ?) in an Exact path' };
    return { ok: true, values: [path] };
  }
  if (type === 'Prefix') {
    const raw = path || '/';
    if (!raw.startsWith('/'))
      return { ok: false, expected: 'an absolute path starting with / for pathType Prefix' };
    if (/[*?]/.test(raw)) return { ok: false, expected: 'no wildcard (* or ?) in a Prefix path' };
    const base = raw.replace(/\/+$/, '');
    if (base === '') return { ok: true, values: ['/*'] };
    return { ok: true, values: [base, `${base}/*`] };
  }
  if (type === 'ImplementationSpecific') return path ? { ok: true, values: [path] } : { ok: true };
  return { ok: false, expected: 'pathType Exact, Prefix or ImplementationSpecific' };
}

const rank = (t: string | undefined) => (t === 'Exact' ? 0 : t === 'Prefix' ? 1 : 2);

/**
 * Indexes of `paths` in evaluation order: all Exact (original order), then Prefix by path length
 * descending (stable), then ImplementationSpecific (original order).
 */
export function orderPaths(paths: readonly V1HTTPIngressPath[]): number[] {
  return paths
    .map((_, i) => i)
    .sort((a, b) => {
      const pa = paths[a] as V1HTTPIngressPath;
      const pb = paths[b] as V1HTTPIngressPath;
      const ra = rank(pa.pathType);
      const rb = rank(pb.pathType);
      if (ra !== rb) return ra - rb;
      if (ra === 1) {
        const d = (pb.path || '/').length - (pa.path || '/').length;
        if (d !== 0) return d;
      }
      return a - b;
    });
}
