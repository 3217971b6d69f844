/** ClusterState from informers on the API server (production and the e2e suite). */
import {
  CoreV1Api,
  DiscoveryV1Api,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  makeInformer,
  NetworkingV1Api,
} from '@kubernetes/client-node';
import { type ClusterChange, type ClusterState, ObjectStore, type WatchedKind } from './cluster-state';
import { GatedPodWatch } from './pod-readiness/pod-watch';

interface Source {
  kind: WatchedKind;
  informer: Informer<KubernetesObject>;
}

export class InformerClusterState implements ClusterState {
  private readonly store = new ObjectStore();
  private readonly sources: Source[];
  private readonly listed = new Set<WatchedKind>();
  private stopped = false;
  /** Present when readiness gates are on: pods of labelled namespaces. */
  readonly gatedPods?: GatedPodWatch;

  constructor(
    kc: KubeConfig,
    onError: (kind: WatchedKind, err: unknown) => void = () => undefined,
    opts: { podReadinessGates?: boolean } = {},
  ) {
    const core = kc.makeApiClient(CoreV1Api);
    const net = kc.makeApiClient(NetworkingV1Api);
    const disc = kc.makeApiClient(DiscoveryV1Api);
    const defs: [WatchedKind, string, () => Promise<{ items: KubernetesObject[] }>][] = [
      ['Ingress', '/apis/networking.k8s.io/v1/ingresses', () => net.listIngressForAllNamespaces()],
      ['IngressClass', '/apis/networking.k8s.io/v1/ingressclasses', () => net.listIngressClass()],
      ['Service', '/api/v1/services', () => core.listServiceForAllNamespaces()],
      ['Node', '/api/v1/nodes', () => core.listNode()],
      [
        'EndpointSlice',
        '/apis/discovery.k8s.io/v1/endpointslices',
        () => disc.listEndpointSliceForAllNamespaces(),
      ],
    ];
    this.sources = defs.map(([kind, path, list]) => {
      const informer = makeInformer(kc, path, async () => {
        const r = await list();
        this.listed.add(kind);
        return r as never;
      });
      informer.on('add', (o) => this.store.upsert(kind, o));
      informer.on('update', (o) => this.store.upsert(kind, o));
      informer.on('delete', (o) => this.store.remove(kind, o));
      informer.on('error', (err) => {
        if (this.stopped) return; // stop() aborts the watches: not an error
        onError(kind, err);
        // client-node informers stop on error; restart after a pause, as controllers do.
        setTimeout(() => {
          if (!this.stopped) void informer.start().catch((e) => onError(kind, e));
        }, 2000).unref();
      });
      return { kind, informer };
    });
    if (opts.podReadinessGates) {
      this.gatedPods = new GatedPodWatch(
        kc,
        { upsert: (p) => this.store.upsert('Pod', p), remove: (p) => this.store.remove('Pod', p) },
        (_what, err) => onError('Pod', err),
      );
    }
  }

  snapshot() {
    return this.store.snapshot();
  }
  onChange(listener: (c: ClusterChange) => void) {
    this.store.onChange(listener);
  }
  synced() {
    return this.listed.size === this.sources.length && (this.gatedPods?.synced() ?? true);
  }
  async start(): Promise<void> {
    await Promise.all([...this.sources.map((s) => s.informer.start()), this.gatedPods?.start()]);
  }
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.sources.map((s) => s.informer.stop()), this.gatedPods?.stop()]);
  }
}
