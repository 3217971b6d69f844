/**
 * What the webhook knows of the cluster, behind one interface with two sources: informers on the API
 * server (production, e2e) and a directory of manifests (local mode, tests). Admission and the forwarder
 * read `snapshot()`, which is always in memory.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterObjects } from '../shared/cluster';
import type { ClusterView } from '../shared/cluster-view';
import { LiveClusterIndex } from '../shared/live-cluster-index';

export type WatchedKind =
  | 'Ingress'
  | 'IngressClass'
  | 'IngressClassParams'
  | 'Namespace'
  | 'Service'
  | 'Node'
  | 'EndpointSlice'
  | 'Pod';

export interface ClusterChange {
  kind: WatchedKind;
  type: 'add' | 'update' | 'delete';
  object: KubernetesObject;
  /** The previous version on update/delete, when known. */
  old?: KubernetesObject;
}

export interface ClusterState {
  /** The current objects; cheap (no copy of the objects themselves), but as long as the cluster. */
  snapshot(): ClusterObjects;
  /**
   * The same objects as an index kept up to date with every change: building or admitting one stack
   * through it reads that stack's objects only. Sources without one are read through `snapshot()`.
   */
  view?(): ClusterView;
  onChange(listener: (change: ClusterChange) => void): void;
  /** True once every kind has been listed. */
  synced(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export const KIND_TO_FIELD = {
  Ingress: 'ingresses',
  IngressClass: 'ingressClasses',
  IngressClassParams: 'ingressClassParams',
  Namespace: 'namespaces',
  Service: 'services',
  Node: 'nodes',
  EndpointSlice: 'endpointSlices',
  Pod: 'pods',
} as const satisfies Record<WatchedKind, keyof ClusterObjects>;

export const objectKey = (o: KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** A store keyed by kind and namespace/name that reports the changes `replaceAll` makes. */
export class ObjectStore {
  private readonly byKind = new Map<WatchedKind, Map<string, KubernetesObject>>(
    (Object.keys(KIND_TO_FIELD) as WatchedKind[]).map((k) => [k, new Map()]),
  );
  private readonly listeners: ((c: ClusterChange) => void)[] = [];
  /** Maintained before listeners hear of a change, so they always read an index that includes it. */
  readonly live = new LiveClusterIndex();

  onChange(listener: (c: ClusterChange) => void): void {
    this.listeners.push(listener);
  }

  upsert(kind: WatchedKind, object: KubernetesObject): void {
    const map = this.byKind.get(kind)!;
    const key = objectKey(object);
    const old = map.get(key);
    map.set(key, object);
    this.live.set(kind, object);
    this.emit({ kind, type: old ? 'update' : 'add', object, ...(old ? { old } : {}) });
  }

  remove(kind: WatchedKind, object: KubernetesObject): void {
    const map = this.byKind.get(kind)!;
    const key = objectKey(object);
    const old = map.get(key);
    if (!old) return;
    map.delete(key);
    this.live.delete(kind, old);
    this.emit({ kind, type: 'delete', object: old, old });
  }

  /** Makes the store hold exactly `objects` of `kind`, emitting only real changes. */
  replaceAll(kind: WatchedKind, objects: KubernetesObject[]): void {
    const map = this.byKind.get(kind)!;
    const next = new Map(objects.map((o) => [objectKey(o), o]));
    for (const [key, old] of [...map]) if (!next.has(key)) this.remove(kind, old);
    for (const [key, o] of next) {
      const old = map.get(key);
      if (!old || JSON.stringify(old) !== JSON.stringify(o)) this.upsert(kind, o);
    }
  }

  snapshot(): ClusterObjects {
    const list = <T>(k: WatchedKind) => [...this.byKind.get(k)!.values()] as T[];
    return {
      ingresses: list('Ingress'),
      ingressClasses: list('IngressClass'),
      ingressClassParams: list('IngressClassParams'),
      namespaces: list('Namespace'),
      services: list('Service'),
      nodes: list('Node'),
      endpointSlices: list('EndpointSlice'),
      pods: list('Pod'),
    };
  }

  private emit(c: ClusterChange): void {
    for (const l of this.listeners) l(c);
  }
}
