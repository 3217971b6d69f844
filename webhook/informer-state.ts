/** ClusterState from informers on the API server (production and the e2e suite). */
import {
  CoreV1Api,
  CustomObjectsApi,
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
  /**
   * A kind whose CRD may not be installed (IngressClassParams): when the API server does not know it,
   * it is watched as empty (listed, no informer) rather than keeping the webhook unready.
   */
  probe?: () => Promise<boolean>;
}

const PARAMS = { group: 'elbv2.k8s.aws', version: 'v1beta1', plural: 'ingressclassparams' } as const;

/** The HTTP status of a client-node error; undefined for a network error (whose `code` is a string). */
const statusOf = (err: unknown): number | undefined => {
  const e = err as { code?: unknown; statusCode?: unknown };
  const status = typeof e?.code === 'number' ? e.code : e?.statusCode;
  return typeof status === 'number' ? status : undefined;
};

export class InformerClusterState implements ClusterState {
  private readonly store = new ObjectStore();
  private readonly sources: Source[];
  private readonly listed = new Set<WatchedKind>();
  private readonly skipped = new Set<WatchedKind>();
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
    const custom = kc.makeApiClient(CustomObjectsApi);
    const listParams = async () =>
      (await custom.listClusterCustomObject(PARAMS)) as { items: KubernetesObject[] };
    const defs: [WatchedKind, string, () => Promise<{ items: KubernetesObject[] }>][] = [
      ['Ingress', '/apis/networking.k8s.io/v1/ingresses', () => net.listIngressForAllNamespaces()],
      ['IngressClass', '/apis/networking.k8s.io/v1/ingressclasses', () => net.listIngressClass()],
      ['IngressClassParams', `/apis/${PARAMS.group}/${PARAMS.version}/${PARAMS.plural}`, listParams],
      ['Namespace', '/api/v1/namespaces', () => core.listNamespace()],
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
      if (kind !== 'IngressClassParams') return { kind, informer };
      // Just after the CRD is established the API server may still answer 429 "storage is
      // (re)initializing": retry those briefly; only a 404 means the CRD is not there.
      const probe = async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            await listParams();
            return true;
          } catch (err) {
            const code = statusOf(err);
            if (code === 404 || code === 403) {
              const why =
                code === 404
                  ? 'is not installed'
                  : 'may not be listed by this ServiceAccount (RBAC: get/list/watch ingressclassparams)';
              onError(
                kind,
                new Error(
                  `${PARAMS.plural}.${PARAMS.group} ${why}: IngressClassParams are ignored until that is fixed and the webhook restarted`,
                ),
              );
              return false;
            }
            if (code === undefined) {
              // The API server is unreachable: the same error every informer meets, reported the same
              // way, so startup fails naming it ("cannot list the cluster") rather than with a bare throw.
              onError(kind, err);
              return false;
            }
            if (!(code === 429 || code >= 500) || attempt >= 20) throw err;
            await new Promise((r) => setTimeout(r, 500));
          }
        }
      };
      return { kind, informer, probe };
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

  view() {
    return this.store.live;
  }
  onChange(listener: (c: ClusterChange) => void) {
    this.store.onChange(listener);
  }
  synced() {
    return this.listed.size === this.sources.length && (this.gatedPods?.synced() ?? true);
  }
  async start(): Promise<void> {
    const start = async (s: Source) => {
      if (s.probe && !(await s.probe())) {
        this.skipped.add(s.kind);
        this.listed.add(s.kind);
        return;
      }
      await s.informer.start();
    };
    await Promise.all([...this.sources.map(start), this.gatedPods?.start()]);
  }
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([
      ...this.sources.filter((s) => !this.skipped.has(s.kind)).map((s) => s.informer.stop()),
      this.gatedPods?.stop(),
    ]);
  }
}
