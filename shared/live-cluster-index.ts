/**
 * The builder's lookups kept up to date one change at a time, for a process that watches the cluster
 * (the webhook). Each change costs what it touches; reading the view for one stack costs that stack's
 * Ingresses, so admission does not grow with the cluster. Results that are costly to compute and depend
 * on few objects (a Service port's ip targets) are remembered until those objects change.
 */
import type {
  KubernetesObject,
  V1EndpointSlice,
  V1Ingress,
  V1IngressClass,
  V1Namespace,
  V1Node,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import { parseServiceAnnotations } from './annotations/parse';
import type { BackendSettings, Parsed } from './annotations/types';
import {
  type ClusterIndex,
  type IpTargetsKey,
  instanceIdOfEligibleNode,
  key,
  SERVICE_NAME_LABEL,
} from './builder/cluster-index';
import type { ClassObjects, ClusterObjects } from './cluster';
import { type ClusterView, probableStackIds } from './cluster-view';
import type { IngressClassParamsObject } from './ingress-class-params';
import type { Target } from './model';

export type LiveKind =
  | 'Ingress'
  | 'IngressClass'
  | 'IngressClassParams'
  | 'Namespace'
  | 'Service'
  | 'Node'
  | 'EndpointSlice'
  | 'Pod';

const keyOf = (o: KubernetesObject) => key(o.metadata?.namespace, o.metadata?.name);
/** Cluster-scoped kinds keep an empty namespace in their key, as the cluster state does. */
const nameKey = (o: KubernetesObject) => o.metadata?.name ?? '';
const sliceService = (es: V1EndpointSlice) => {
  const svc = es.metadata?.labels?.[SERVICE_NAME_LABEL];
  return svc ? key(es.metadata?.namespace, svc) : undefined;
};

export class LiveClusterIndex implements ClusterIndex, ClusterView {
  private readonly ingresses = new Map<string, V1Ingress>();
  /** stack id → keys of the Ingresses that may be in it (see `probableStackIds`). */
  private readonly byStack = new Map<string, Set<string>>();
  private readonly stacksOf = new Map<string, Set<string>>();
  private readonly classMaps = {
    ingressClasses: new Map<string, V1IngressClass>(),
    ingressClassParams: new Map<string, IngressClassParamsObject>(),
    namespaces: new Map<string, V1Namespace>(),
  };
  private classLists: ClassObjects | undefined;
  private readonly services = new Map<string, V1Service>();
  private readonly slices = new Map<string, Map<string, V1EndpointSlice>>();
  /** slice key → the Service it was filed under, so a relabelled slice leaves its old Service. */
  private readonly sliceOwner = new Map<string, string>();
  private readonly sliceLists = new Map<string, readonly V1EndpointSlice[]>();
  private readonly nodes = new Map<string, V1Node>();
  private instanceIds: readonly string[] | undefined;
  private readonly pods = new Map<string, V1Pod>();
  private readonly parsedServices = new WeakMap<V1Service, Parsed<BackendSettings>>();
  /** service key → (port name and family → targets). */
  private readonly targets = new Map<string, Map<string, readonly Target[]>>();

  readonly index: ClusterIndex = this;

  /** An index of whole object lists, as a watcher's first listing fills it. */
  static of(objects: ClusterObjects): LiveClusterIndex {
    const live = new LiveClusterIndex();
    const kinds: [LiveKind, readonly KubernetesObject[]][] = [
      ['IngressClass', objects.ingressClasses],
      ['IngressClassParams', objects.ingressClassParams],
      ['Namespace', objects.namespaces],
      ['Service', objects.services],
      ['Node', objects.nodes],
      ['EndpointSlice', objects.endpointSlices],
      ['Pod', objects.pods ?? []],
      ['Ingress', objects.ingresses],
    ];
    for (const [kind, list] of kinds) for (const o of list) live.set(kind, o);
    return live;
  }

  /** `object` was added or updated. */
  set(kind: LiveKind, object: KubernetesObject): void {
    this.change(kind, object, 'set');
  }

  /** `object` (its last known version) was deleted. */
  delete(kind: LiveKind, object: KubernetesObject): void {
    this.change(kind, object, 'delete');
  }

  private change(kind: LiveKind, object: KubernetesObject, op: 'set' | 'delete'): void {
    const put = <T>(map: Map<string, T>, k: string) => {
      if (op === 'set') map.set(k, object as T);
      else map.delete(k);
    };
    switch (kind) {
      case 'Ingress': {
        const k = keyOf(object);
        this.unregister(k);
        put(this.ingresses, k);
        if (op === 'set') this.register(k, object as V1Ingress);
        return;
      }
      case 'IngressClass':
      case 'IngressClassParams':
      case 'Namespace': {
        const field =
          kind === 'IngressClass'
            ? 'ingressClasses'
            : kind === 'Namespace'
              ? 'namespaces'
              : 'ingressClassParams';
        put(this.classMaps[field] as Map<string, KubernetesObject>, nameKey(object));
        this.classLists = undefined;
        // A class's group may have changed for every Ingress of that class: rare, so all are re-read.
        for (const [k, ing] of this.ingresses) {
          this.unregister(k);
          this.register(k, ing);
        }
        return;
      }
      case 'Service': {
        const k = keyOf(object);
        put(this.services, k);
        this.targets.delete(k);
        return;
      }
      case 'EndpointSlice': {
        const k = keyOf(object);
        const before = this.sliceOwner.get(k);
        if (before !== undefined) this.fileSlice(before, k, undefined);
        this.sliceOwner.delete(k);
        const svc = sliceService(object as V1EndpointSlice);
        if (op === 'set' && svc) {
          this.fileSlice(svc, k, object as V1EndpointSlice);
          this.sliceOwner.set(k, svc);
        }
        return;
      }
      case 'Node':
        put(this.nodes, nameKey(object));
        this.instanceIds = undefined;
        return;
      case 'Pod':
        put(this.pods, keyOf(object));
        // A gated pod can turn any not-ready endpoint of its namespace into a target.
        for (const svc of this.targets.keys())
          if (svc.startsWith(`${object.metadata?.namespace || 'default'}/`)) this.targets.delete(svc);
        return;
    }
  }

  private fileSlice(svc: string, k: string, slice: V1EndpointSlice | undefined): void {
    let forService = this.slices.get(svc);
    if (!forService) {
      forService = new Map();
      this.slices.set(svc, forService);
    }
    if (slice) forService.set(k, slice);
    else forService.delete(k);
    if (forService.size === 0) this.slices.delete(svc);
    this.sliceLists.delete(svc);
    this.targets.delete(svc);
  }

  private register(k: string, ing: V1Ingress): void {
    const ids = probableStackIds(ing, this.classes);
    this.stacksOf.set(k, ids);
    for (const id of ids) {
      let keys = this.byStack.get(id);
      if (!keys) {
        keys = new Set();
        this.byStack.set(id, keys);
      }
      keys.add(k);
    }
  }

  private unregister(k: string): void {
    for (const id of this.stacksOf.get(k) ?? []) {
      const keys = this.byStack.get(id);
      keys?.delete(k);
      if (keys?.size === 0) this.byStack.delete(id);
    }
    this.stacksOf.delete(k);
  }

  // ---- ClusterView

  get classes(): ClassObjects {
    this.classLists ??= {
      ingressClasses: [...this.classMaps.ingressClasses.values()],
      ingressClassParams: [...this.classMaps.ingressClassParams.values()],
      namespaces: [...this.classMaps.namespaces.values()],
    };
    return this.classLists;
  }

  *ingressesFor(stackId: string): Iterable<V1Ingress> {
    for (const k of this.byStack.get(stackId) ?? []) {
      const ing = this.ingresses.get(k);
      if (ing) yield ing;
    }
  }

  /** Every stack some Ingress may be in (for a full rebuild). */
  stackIds(): string[] {
    return [...this.byStack.keys()];
  }

  // ---- ClusterIndex: arrow properties, so a lookup passed on bare (`index.pod`) keeps its index.

  readonly service = (namespace: string, name: string): V1Service | undefined =>
    this.services.get(key(namespace, name));

  readonly serviceSettings = (svc: V1Service): Parsed<BackendSettings> => {
    let p = this.parsedServices.get(svc);
    if (!p) {
      p = parseServiceAnnotations(svc.metadata?.annotations);
      this.parsedServices.set(svc, p);
    }
    return p;
  };

  readonly endpointSlices = (namespace: string, serviceName: string): readonly V1EndpointSlice[] => {
    const k = key(namespace, serviceName);
    let list = this.sliceLists.get(k);
    if (!list) {
      list = [...(this.slices.get(k)?.values() ?? [])];
      this.sliceLists.set(k, list);
    }
    return list;
  };

  readonly instanceTargets = (): readonly string[] => {
    this.instanceIds ??= [...this.nodes.values()]
      .map(instanceIdOfEligibleNode)
      .filter((id): id is string => id !== undefined)
      .sort();
    return this.instanceIds;
  };

  readonly pod = (namespace: string, name: string): V1Pod | undefined => this.pods.get(key(namespace, name));

  readonly ipTargets = (k: IpTargetsKey, compute: () => Target[]): readonly Target[] => {
    const svc = key(k.namespace, k.service);
    let forService = this.targets.get(svc);
    if (!forService) {
      forService = new Map();
      this.targets.set(svc, forService);
    }
    const port = `${k.portName}\0${k.family}`;
    let t = forService.get(port);
    if (!t) {
      t = Object.freeze(compute());
      forService.set(port, t);
    }
    return t;
  };
}
