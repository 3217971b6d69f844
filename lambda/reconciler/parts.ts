/**
 * Per-part digests: the stack split into parts that change independently (security group, load balancer,
 * target groups, targets, each listener with its rules), each hashed. The load balancer carries them in
 * one tag next to the stack digest, written in the same AddTags call, so a change reads and rewrites
 * only the parts whose digest moved — at no extra write.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../shared/messages';
import type { Action, DesiredListener, DesiredStack } from '../../shared/model';

export const PARTS_TAG = 'albatross.dev/parts';
/** ELBv2 tag values hold at most 256 characters; past that the stack simply has no parts tag. */
const MAX_TAG_VALUE = 256;

export type PartName = 'sg' | 'lb' | 'tg' | 'targets' | `l${number}` | `t${number}`;
export type Parts = ReadonlyMap<PartName, string>;

const hash = (v: unknown) => createHash('sha256').update(canonicalJson(v)).digest('hex').slice(0, 10);
export const listenerPart = (port: number): PartName => `l${port}`;
/** One target group's targets, by its position in the (sorted) desired list. */
export const targetsPart = (index: number): PartName => `t${index}`;
const isTargetsPart = (p: string) => /^t\d+$/.test(p);

/**
 * A listener as it must look on AWS. Target groups are named by their *names*, not resource ids: a
 * replaced target group (new protocol or target type) has a new name, so the listener's part moves too.
 */
function listenerShape(l: DesiredListener, tgName: (resourceId: string) => string): unknown {
  const action = (a: Action): unknown =>
    a.type === 'forward'
      ? {
          ...a,
          targetGroups: a.targetGroups.map((t) =>
            'targetGroup' in t ? { ...t, targetGroup: tgName(t.targetGroup) } : t,
          ),
        }
      : a;
  return {
    ...l,
    defaultAction: action(l.defaultAction),
    rules: l.rules.map((r) => ({ ...r, action: action(r.action) })),
  };
}

export function stackParts(s: DesiredStack): Parts {
  const names = new Map(s.targetGroups.map((t) => [t.resourceId, t.name]));
  const tgName = (id: string) => names.get(id) ?? id;
  const parts = new Map<PartName, string>([
    ['sg', hash({ sg: s.securityGroup, lbSgs: s.loadBalancer.securityGroups })],
    ['lb', hash(s.loadBalancer)],
    ['tg', hash(s.targetGroups.map(({ targets: _, ...tg }) => tg))],
    ['targets', hash(s.targetGroups.map((t) => [t.name, t.targets.map((x) => `${x.id}:${x.port}`).sort()]))],
  ]);
  for (const l of s.listeners) parts.set(listenerPart(l.port), hash(listenerShape(l, tgName)));
  // Per target group too, so an endpoint change reads only its own group's targets. A change to the set
  // of groups moves `tg`, which converges everything, so positions are stable where they are used.
  s.targetGroups.forEach((t, i) => {
    parts.set(targetsPart(i), hash(t.targets.map((x) => `${x.id}:${x.port}`).sort()));
  });
  return parts;
}

/** `sg=…/lb=…/l80=…`, or undefined when it would not fit in a tag value. */
export function encodeParts(p: Parts): string | undefined {
  const encode = (entries: [PartName, string][]) => entries.map(([k, d]) => `${k}=${d}`).join('/');
  const all = encode([...p]);
  if (all.length <= MAX_TAG_VALUE) return all;
  // Many target groups: keep the aggregate `targets` digest only (every group's targets are then read).
  const coarse = encode([...p].filter(([k]) => !isTargetsPart(k)));
  return coarse.length <= MAX_TAG_VALUE ? coarse : undefined;
}

export function decodeParts(v: string | undefined): Parts | undefined {
  if (!v) return undefined;
  const out = new Map<PartName, string>();
  for (const item of v.split('/')) {
    const m = /^(sg|lb|tg|targets|l\d{1,5}|t\d{1,3})=([0-9a-f]{10})$/.exec(item);
    if (!m) return undefined;
    out.set(m[1] as PartName, m[2]!);
  }
  return out;
}

/** Parts whose digest differs, including parts present on only one side (an added or removed listener). */
export function changedParts(want: Parts, have: Parts): Set<PartName> {
  const out = new Set<PartName>();
  for (const [k, d] of want) if (have.get(k) !== d) out.add(k);
  for (const k of have.keys()) if (!want.has(k)) out.add(k);
  // Per-group target digests missing from a coarse tag say nothing: only the aggregate decides.
  if (!out.has('targets')) for (const k of out) if (isTargetsPart(k)) out.delete(k);
  return out;
}
