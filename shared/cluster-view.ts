/**
 * What building one stack reads: the small class kinds, the lookups of the builder, and the Ingresses
 * that may be in a given stack. Built from whole object lists for one-shot builds (CLI, tests), or kept
 * up to date change by change (the webhook, see `LiveClusterIndex`), so that admitting one Ingress costs
 * the size of its group, not of the cluster.
 */
import type { V1Ingress } from '@kubernetes/client-node';
import { ANNOTATION_PREFIX } from './annotations/types';
import { type ClusterIndex, indexCluster } from './builder/cluster-index';
import type { ClassObjects, ClusterObjects } from './cluster';
import { groupsFromFinalizers, nameOf, namespaceOf, stackIdOf } from './groups';
import { classGroupName } from './ingress-config';

export interface ClusterView {
  classes: ClassObjects;
  index: ClusterIndex;
  /**
   * Every Ingress that may be an active or inactive member of `stackId`: a superset (the builder decides
   * membership), never missing one.
   */
  ingressesFor(stackId: string): Iterable<V1Ingress>;
}

const GROUP_NAME_KEY = `${ANNOTATION_PREFIX}group.name`;

/**
 * The stacks an Ingress may be in, read without parsing its annotations: its class's group, the raw
 * `group.name`, its implicit group (where an invalid group name leaves it), and its finalizers' groups.
 */
export function probableStackIds(ing: V1Ingress, classes: ClassObjects): Set<string> {
  const ids = new Set<string>([`${namespaceOf(ing)}/${nameOf(ing)}`]);
  const raw = ing.metadata?.annotations?.[GROUP_NAME_KEY]?.trim();
  if (raw) ids.add(raw);
  const fromClass = classGroupName(ing, classes);
  if (fromClass) ids.add(fromClass);
  for (const g of groupsFromFinalizers(ing)) ids.add(stackIdOf(g));
  return ids;
}

/** A view of whole object lists: every Ingress is offered for every stack, as the lists hold them. */
export function viewOf(objects: ClusterObjects): ClusterView {
  return {
    classes: objects,
    index: indexCluster(objects),
    ingressesFor: () => objects.ingresses,
  };
}
