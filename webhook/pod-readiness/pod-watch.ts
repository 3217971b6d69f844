/**
 * The pods readiness gates need: those of namespaces labelled for injection, and of those only the ones
 * carrying a target-health gate, trimmed to what the gates use (labels, gates, conditions, IP).
 *
 * Why one pod watch per labelled namespace rather than one cluster-wide: pods cannot be selected by their
 * namespace's labels, and a cluster-wide watch would stream every pod status change of the cluster to
 * every replica to keep a handful. Namespaces opt in, so the watches follow them: a watch on Namespaces
 * with the inject label (the API server sends a deletion when a namespace loses the label) starts and
 * stops one pod watch per namespace. Cost: one watch connection per labelled namespace. A namespace that
 * loses the label keeps its watch until none of its gated pods waits any more, so no pod is stranded.
 */
import {
  CoreV1Api,
  type Informer,
  type KubeConfig,
  makeInformer,
  type V1Namespace,
  type V1Pod,
} from '@kubernetes/client-node';
import {
  conditionTypeFor,
  INJECT_ENABLED,
  INJECT_LABEL,
  podCondition,
  targetHealthGates,
} from '../../shared/readiness-gates';

export interface PodSink {
  upsert(pod: V1Pod): void;
  remove(pod: V1Pod): void;
}

/** The fields the gates read; everything else of a pod (containers, volumes, …) is dropped. */
export function trimPod(pod: V1Pod): V1Pod {
  const m = pod.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      ...(m.labels ? { labels: m.labels } : {}),
      ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
    },
    spec: {
      containers: [],
      ...(pod.spec?.readinessGates ? { readinessGates: pod.spec.readinessGates } : {}),
    },
    status: {
      ...(pod.status?.conditions ? { conditions: pod.status.conditions } : {}),
      ...(pod.status?.podIP ? { podIP: pod.status.podIP } : {}),
    },
  };
}

interface PodWatchEntry {
  informer: Informer<V1Pod>;
  listed: boolean;
  /** The namespace lost its label: watched only until no gated pod in it waits. */
  draining: boolean;
}

/** A gate of ours that is not True yet: the pod still needs this watch to be registered and reported. */
const waitsForUs = (pod: V1Pod) =>
  targetHealthGates(pod).some((tg) => podCondition(pod, conditionTypeFor(tg))?.status !== 'True');

const keyOf = (p: V1Pod) => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;

export class GatedPodWatch {
  private readonly core: CoreV1Api;
  private readonly namespaces: Informer<V1Namespace>;
  private readonly podWatches = new Map<string, PodWatchEntry>();
  /** Last trimmed pod per key, and its JSON, so updates that change nothing we read are not passed on. */
  private readonly seen = new Map<string, { pod: V1Pod; json: string }>();
  private namespacesListed = false;
  private stopped = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly sink: PodSink,
    private readonly onError: (what: string, err: unknown) => void = () => undefined,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    const selector = `${INJECT_LABEL}=${INJECT_ENABLED}`;
    this.namespaces = makeInformer(
      kc,
      '/api/v1/namespaces',
      async () => {
        const r = await this.core.listNamespace({ labelSelector: selector });
        this.namespacesListed = true;
        return r;
      },
      selector,
    );
    this.namespaces.on('add', (ns) => this.watchNamespace(ns.metadata?.name));
    this.namespaces.on('update', (ns) => this.watchNamespace(ns.metadata?.name));
    this.namespaces.on('delete', (ns) => this.namespaceLeft(ns.metadata?.name));
    this.restartOnError(this.namespaces, 'namespaces');
  }

  /** Namespaces labelled for injection (not those only still watched for pods that wait). */
  labelled(): ReadonlySet<string> {
    return new Set([...this.podWatches].filter(([, w]) => !w.draining).map(([ns]) => ns));
  }

  synced(): boolean {
    return this.namespacesListed && [...this.podWatches.values()].every((w) => w.listed);
  }

  /** Pod watches start as their namespaces are listed. */
  async start(): Promise<void> {
    await this.namespaces.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.namespaces.stop();
    await Promise.all([...this.podWatches.values()].map((w) => w.informer.stop()));
  }

  private watchNamespace(namespace: string | undefined): void {
    if (!namespace || this.stopped) return;
    const existing = this.podWatches.get(namespace);
    if (existing) {
      existing.draining = false; // labelled again
      return;
    }
    const entry: PodWatchEntry = {
      listed: false,
      draining: false,
      informer: makeInformer<V1Pod>(this.kc, `/api/v1/namespaces/${namespace}/pods`, async () => {
        const r = await this.core.listNamespacedPod({ namespace });
        entry.listed = true;
        // A namespace unlabelled before its pods were listed, with nothing waiting in it: retire it once
        // the listed pods have been offered.
        setTimeout(() => this.retireIfDone(namespace), 0);
        return r;
      }),
    };
    entry.informer.on('add', (p) => this.offer(p));
    entry.informer.on('update', (p) => this.offer(p));
    entry.informer.on('delete', (p) => this.drop(p));
    this.restartOnError(
      entry.informer,
      `pods in ${namespace}`,
      () => this.podWatches.get(namespace) === entry,
    );
    this.podWatches.set(namespace, entry);
    void entry.informer.start().catch((err) => this.onError(`pods in ${namespace}`, err));
  }

  /**
   * The namespace lost the label (or is gone). New pods there get no gate any more, but pods that carry
   * one and still wait would be stranded not Ready: the watch stays until none of them waits.
   */
  private namespaceLeft(namespace: string | undefined): void {
    const entry = namespace ? this.podWatches.get(namespace) : undefined;
    if (!namespace || !entry) return;
    entry.draining = true;
    this.retireIfDone(namespace);
  }

  private retireIfDone(namespace: string): void {
    const entry = this.podWatches.get(namespace);
    if (!entry?.draining || !entry.listed) return;
    const prefix = `${namespace}/`;
    const keys = [...this.seen.keys()].filter((k) => k.startsWith(prefix));
    if (keys.some((k) => waitsForUs(this.seen.get(k)!.pod))) return;
    this.podWatches.delete(namespace);
    void entry.informer.stop();
    for (const key of keys) {
      this.seen.delete(key);
      this.sink.remove({ metadata: { namespace, name: key.slice(prefix.length) } });
    }
  }

  private offer(pod: V1Pod): void {
    if (targetHealthGates(pod).length === 0) {
      this.drop(pod);
      return;
    }
    const trimmed = trimPod(pod);
    const json = JSON.stringify(trimmed);
    const key = keyOf(trimmed);
    if (this.seen.get(key)?.json === json) return;
    this.seen.set(key, { pod: trimmed, json });
    this.sink.upsert(trimmed);
    this.retireIfDone(trimmed.metadata?.namespace ?? '');
  }

  private drop(pod: V1Pod): void {
    if (!this.seen.delete(keyOf(pod))) return;
    this.sink.remove(pod);
    this.retireIfDone(pod.metadata?.namespace ?? '');
  }

  private restartOnError(
    informer: Informer<V1Pod> | Informer<V1Namespace>,
    what: string,
    wanted: () => boolean = () => true,
  ) {
    informer.on('error', (err) => {
      // stop() aborts the watches: not an error.
      if (this.stopped || !wanted()) return;
      this.onError(what, err);
      // client-node informers stop on error; restart after a pause, as controllers do.
      setTimeout(() => {
        if (!this.stopped && wanted()) void informer.start().catch((e) => this.onError(what, e));
      }, 2000).unref();
    });
  }
}
