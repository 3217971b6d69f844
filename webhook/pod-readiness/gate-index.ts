/**
 * Which ip-mode target groups (and their Services) exist per namespace, from the model the forwarder
 * sends. Kept per namespace and recomputed only after something that can rename or remove a target group
 * changed (not after endpoint, node or pod changes), so a burst of pod creations builds its stacks once.
 */
import type { BuildOptions, StackBuild } from '../../shared/build';
import { buildStack } from '../../shared/build';
import { namespaceOf } from '../../shared/groups';
import { type GatedTargetGroup, gatedTargetGroups } from '../../shared/readiness-gates';
import type { ClusterState } from '../cluster-state';
import { stacksOfIngress } from '../dirty';

export interface NamespaceGates {
  targetGroups: GatedTargetGroup[];
  /** False when a stack of the namespace failed to build: a missing target group may then be transient. */
  complete: boolean;
}

export class GateIndex {
  private readonly byNamespace = new Map<string, NamespaceGates>();

  constructor(
    private readonly state: ClusterState,
    private readonly opts: BuildOptions,
  ) {
    // Target group names depend on everything the model reads except targets: endpoints, nodes and pods
    // change who is registered, never which target groups exist or which Services back them.
    state.onChange((c) => {
      if (c.kind !== 'Pod' && c.kind !== 'EndpointSlice' && c.kind !== 'Node') this.byNamespace.clear();
    });
  }

  in(namespace: string): NamespaceGates {
    let e = this.byNamespace.get(namespace);
    if (!e) {
      e = this.compute(namespace);
      this.byNamespace.set(namespace, e);
    }
    return e;
  }

  private compute(namespace: string): NamespaceGates {
    const objects = this.state.snapshot();
    // Services back target groups of Ingresses in their own namespace only; the stacks of those
    // Ingresses (explicit groups span namespaces) hold every target group that can select our pods.
    const ids = new Set(
      objects.ingresses
        .filter((i) => namespaceOf(i) === namespace)
        .flatMap((i) => stacksOfIngress(i, objects)),
    );
    // Through the live index when the source keeps one: each build then reads its own stack only.
    const source = this.state.view?.() ?? objects;
    const builds: StackBuild[] = [];
    for (const id of ids) {
      const b = buildStack(id, source, this.opts);
      if (b) builds.push(b);
    }
    return {
      targetGroups: gatedTargetGroups(builds, objects.services).filter(
        (t) => t.serviceNamespace === namespace,
      ),
      complete: builds.every((b) => b.result.ok),
    };
  }
}
