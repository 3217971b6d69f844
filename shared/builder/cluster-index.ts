/**
 * Lookups the builder needs, computed once per build so that a 50-member group stays linear: Services by
 * `namespace/name`, EndpointSlices by the Service they belong to, the nodes eligible as instance targets,
 * and the gated pods (readiness gates) by `namespace/name`.
 */
import type { V1EndpointSlice, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import { parseServiceAnnotations } from '../annotations/parse';
import type { BackendSettings, Parsed } from '../annotations/types';
import type { ClusterObjects } from '../cluster';
import type { Target } from '../model';

export interface ClusterIndex {
  service(namespace: string, name: string): V1Service | undefined;
  serviceSettings(svc: V1Service): Parsed<BackendSettings>;
  endpointSlices(namespace: string, serviceName: string): readonly V1EndpointSlice[];
  /** EC2 instance ids of the nodes that may receive instance-mode traffic, sorted. */
  instanceTargets(): readonly string[];
  /** A pod the cluster state holds (only pods with a target-health readiness gate are held). */
  pod(namespace: string, name: string): V1Pod | undefined;
  /**
   * The ip targets of one port of a Service: `compute()`'s answer, which an index kept up to date may
   * remember until the Service's EndpointSlices or the gated pods change.
   */
  ipTargets(key: IpTargetsKey, compute: () => Target[]): readonly Target[];
}

export interface IpTargetsKey {
  namespace: string;
  service: string;
  portName: string;
  family: 'IPv4' | 'IPv6';
}

export const key = (ns: string | undefined, name: string | undefined) => `${ns || 'default'}/${name ?? ''}`;
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export function indexCluster(objects: ClusterObjects): ClusterIndex {
  const services = new Map<string, V1Service>();
  for (const s of objects.services) services.set(key(s.metadata?.namespace, s.metadata?.name), s);
  const slices = new Map<string, V1EndpointSlice[]>();
  for (const es of objects.endpointSlices) {
    const svc = es.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc) continue;
    const k = key(es.metadata?.namespace, svc);
    const list = slices.get(k);
    if (list) list.push(es);
    else slices.set(k, [es]);
  }
  const pods = new Map<string, V1Pod>();
  for (const p of objects.pods ?? []) pods.set(key(p.metadata?.namespace, p.metadata?.name), p);
  const parsedServices = new WeakMap<V1Service, Parsed<BackendSettings>>();
  let nodes: string[] | undefined;
  return {
    service: (ns, name) => services.get(key(ns, name)),
    serviceSettings(svc) {
      let p = parsedServices.get(svc);
      if (!p) {
        p = parseServiceAnnotations(svc.metadata?.annotations);
        parsedServices.set(svc, p);
      }
      return p;
    },
    endpointSlices: (ns, name) => slices.get(key(ns, name)) ?? [],
    pod: (ns, name) => pods.get(key(ns, name)),
    // Built for one build: nothing to remember across builds.
    ipTargets: (_key, compute) => compute(),
    instanceTargets() {
      nodes ??= objects.nodes
        .map(instanceIdOfEligibleNode)
        .filter((id): id is string => id !== undefined)
        .sort();
      return nodes;
    },
  };
}

const INSTANCE_ID = /(i-[0-9a-zA-Z]+)$/;

/** SPEC §4 "Targets": Ready, an `i-…` providerID, none of the exclusion labels or taints. */
export function instanceIdOfEligibleNode(node: V1Node): string | undefined {
  const id = INSTANCE_ID.exec(node.spec?.providerID ?? '')?.[1];
  if (!id) return undefined;
  const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  if (!ready) return undefined;
  const labels = node.metadata?.labels ?? {};
  if ('node.kubernetes.io/exclude-from-external-load-balancers' in labels) return undefined;
  if ('node-role.kubernetes.io/master' in labels) return undefined;
  if (labels['eks.amazonaws.com/compute-type'] === 'fargate') return undefined;
  if (node.spec?.taints?.some((t) => t.key === 'ToBeDeletedByClusterAutoscaler')) return undefined;
  return id;
}
