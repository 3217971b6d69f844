/** IngressGroup identity, member order and finalizers (SPEC §2). */
import type { V1Ingress } from '@kubernetes/client-node';
import type { IngressSettings } from './annotations/types';

export type GroupId =
  | { kind: 'explicit'; name: string }
  | { kind: 'implicit'; namespace: string; name: string };

export const IMPLICIT_FINALIZER = 'ingress.k8s.aws/resources';
export const EXPLICIT_FINALIZER_PREFIX = 'group.ingress.k8s.aws/';

export function namespaceOf(ing: V1Ingress): string {
  return ing.metadata?.namespace || 'default';
}

export function nameOf(ing: V1Ingress): string {
  return ing.metadata?.name ?? '';
}

export function groupOf(ing: V1Ingress, settings: Pick<IngressSettings, 'groupName'>): GroupId {
  return settings.groupName
    ? { kind: 'explicit', name: settings.groupName }
    : { kind: 'implicit', namespace: namespaceOf(ing), name: nameOf(ing) };
}

export function stackIdOf(g: GroupId): string {
  return g.kind === 'explicit' ? g.name : `${g.namespace}/${g.name}`;
}

export function finalizerOf(g: GroupId): string {
  return g.kind === 'explicit' ? `${EXPLICIT_FINALIZER_PREFIX}${g.name}` : IMPLICIT_FINALIZER;
}

/** The groups this Ingress's finalizers say it belongs (or belonged) to. */
export function groupsFromFinalizers(ing: V1Ingress): GroupId[] {
  const out: GroupId[] = [];
  for (const f of ing.metadata?.finalizers ?? []) {
    if (f === IMPLICIT_FINALIZER)
      out.push({ kind: 'implicit', namespace: namespaceOf(ing), name: nameOf(ing) });
    else if (f.startsWith(EXPLICIT_FINALIZER_PREFIX) && f.length > EXPLICIT_FINALIZER_PREFIX.length) {
      out.push({ kind: 'explicit', name: f.slice(EXPLICIT_FINALIZER_PREFIX.length) });
    }
  }
  return out;
}

export function isDeleting(ing: V1Ingress): boolean {
  return ing.metadata?.deletionTimestamp !== undefined && ing.metadata.deletionTimestamp !== null;
}

export interface OrderedMember {
  namespace: string;
  name: string;
  order: number;
}

/** Ascending `group.order`, ties by `namespace/name`: drives rule priorities and the default certificate. */
export function compareMembers(a: OrderedMember, b: OrderedMember): number {
  if (a.order !== b.order) return a.order - b.order;
  const ka = `${a.namespace}/${a.name}`;
  const kb = `${b.namespace}/${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
