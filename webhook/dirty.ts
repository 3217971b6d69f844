/**
 * Which stacks a cluster change affects (pure). Over-marking is safe (an unchanged digest is not sent
 * again); under-marking is a missed update, so when unsure this marks more.
 */
import type { KubernetesObject, V1EndpointSlice, V1Ingress, V1Node, V1Pod } from '@kubernetes/client-node';
import { ANNOTATION_PREFIX } from '../shared/annotations/types';
import { instanceIdOfEligibleNode } from '../shared/builder/cluster-index';
import type { ClusterObjects } from '../shared/cluster';
import { groupsFromFinalizers, nameOf, namespaceOf, stackIdOf } from '../shared/groups';
import { classGroupName } from '../shared/ingress-config';
import { isTargetWhileGated } from '../shared/readiness-gates';
import type { ClusterChange } from './cluster-state';

const GROUP = `${ANNOTATION_PREFIX}group.name`;
const TARGET_TYPE = `${ANNOTATION_PREFIX}target-type`;
const ACTION_PREFIX = `${ANNOTATION_PREFIX}actions.`;

/**
 * The stack an Ingress is (or would be) an active member of, plus those its finalizers name. With the
 * cluster objects, a group its IngressClassParams imposes wins over its annotation.
 */
export function stacksOfIngress(ing: V1Ingress, objects?: ClusterObjects): string[] {
  const group =
    (objects ? classGroupName(ing, objects) : undefined) ?? ing.metadata?.annotations?.[GROUP]?.trim();
  const own = group ? group : `${namespaceOf(ing)}/${nameOf(ing)}`;
  return [own, ...groupsFromFinalizers(ing).map(stackIdOf)];
}

/** Service names (in the Ingress's namespace) an Ingress refers to, through backends and actions. */
export function servicesOfIngress(ing: V1Ingress): Set<string> {
  const out = new Set<string>();
  const add = (n: string | undefined) => n && out.add(n);
  add(ing.spec?.defaultBackend?.service?.name);
  for (const r of ing.spec?.rules ?? []) for (const p of r.http?.paths ?? []) add(p.backend?.service?.name);
  for (const [k, v] of Object.entries(ing.metadata?.annotations ?? {})) {
    if (!k.startsWith(ACTION_PREFIX)) continue;
    for (const m of v.matchAll(/"serviceName"\s*:\s*"([^"]+)"/g)) add(m[1]);
  }
  return out;
}

function stacksUsingService(objects: ClusterObjects, namespace: string, name: string): string[] {
  return objects.ingresses
    .filter((i) => namespaceOf(i) === namespace && servicesOfIngress(i).has(name))
    .flatMap((i) => stacksOfIngress(i, objects));
}

const allStacks = (objects: ClusterObjects) => objects.ingresses.flatMap((i) => stacksOfIngress(i, objects));

export function affectedStacks(change: ClusterChange, objects: ClusterObjects): Set<string> {
  const o = change.object as KubernetesObject;
  switch (change.kind) {
    case 'Ingress':
      return new Set([
        ...stacksOfIngress(o as V1Ingress, objects),
        ...(change.old ? stacksOfIngress(change.old as V1Ingress, objects) : []),
      ]);
    case 'Service':
      return new Set(stacksUsingService(objects, o.metadata?.namespace ?? 'default', o.metadata?.name ?? ''));
    case 'EndpointSlice': {
      const svc = (o as V1EndpointSlice).metadata?.labels?.['kubernetes.io/service-name'];
      return new Set(svc ? stacksUsingService(objects, o.metadata?.namespace ?? 'default', svc) : []);
    }
    case 'Node': {
      // Heartbeats update nodes constantly; only a change in target eligibility matters.
      const before = change.old ? instanceIdOfEligibleNode(change.old as V1Node) : undefined;
      const after = change.type === 'delete' ? undefined : instanceIdOfEligibleNode(o as V1Node);
      if (change.type === 'update' && before === after) return new Set();
      // Instance-mode stacks: any member not explicitly ip (a Service may still override; over-mark).
      return new Set(
        objects.ingresses
          .filter((i) => i.metadata?.annotations?.[TARGET_TYPE] !== 'ip')
          .flatMap((i) => stacksOfIngress(i, objects)),
      );
    }
    case 'IngressClass':
    case 'IngressClassParams':
      return new Set(allStacks(objects));
    case 'Namespace': {
      // Only labels matter (a namespaceSelector may now select it, or no longer).
      const labels = (x?: KubernetesObject) => JSON.stringify(x?.metadata?.labels ?? {});
      if (change.type === 'update' && labels(change.old) === labels(o)) return new Set();
      const ns = o.metadata?.name ?? '';
      return new Set(
        objects.ingresses.filter((i) => namespaceOf(i) === ns).flatMap((i) => stacksOfIngress(i, objects)),
      );
    }
    case 'Pod':
      return stacksOfGatedPod(change, objects);
  }
}

/**
 * A gated pod matters only when whether it is a target changes (its endpoint stays `ready: false`
 * throughout, so no EndpointSlice event says so) or its address does: then the stacks of the Services
 * whose slices name it.
 */
function stacksOfGatedPod(change: ClusterChange, objects: ClusterObjects): Set<string> {
  const pod = change.object as V1Pod;
  const old = change.old as V1Pod | undefined;
  const target = (p: V1Pod | undefined) => (p && change.type !== 'delete' ? isTargetWhileGated(p) : false);
  const before = old ? isTargetWhileGated(old) : false;
  if (target(pod) === before && pod.status?.podIP === old?.status?.podIP) return new Set();
  const ns = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name;
  const out = new Set<string>();
  for (const es of objects.endpointSlices) {
    if ((es.metadata?.namespace ?? 'default') !== ns) continue;
    const svc = es.metadata?.labels?.['kubernetes.io/service-name'];
    if (!svc || !es.endpoints?.some((e) => e.targetRef?.kind === 'Pod' && e.targetRef.name === name))
      continue;
    for (const id of stacksUsingService(objects, ns, svc)) out.add(id);
  }
  return out;
}
