/** ClusterState from a directory of manifests, re-read when a file in it changes (local mode, tests). */
import { type FSWatcher, watch } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import {
  type ClusterChange,
  type ClusterState,
  KIND_TO_FIELD,
  ObjectStore,
  type WatchedKind,
} from './cluster-state';

const MANIFEST = new Set(['.yaml', '.yml', '.json']);
const CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  'Node',
  'IngressClass',
  'IngressClassParams',
  'Namespace',
]);

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else if (MANIFEST.has(extname(e.name))) out.push(p);
  }
  return out.sort();
}

export interface ManifestsStateOptions {
  /** Rewrites each object as read (local mode swaps in the emulator's certificate ARN). */
  transform?: (o: KubernetesObject) => KubernetesObject;
  /** Told about files that do not parse; the last good state is kept. */
  onProblem?: (message: string) => void;
  debounceMs?: number;
}

export class ManifestsClusterState implements ClusterState {
  private readonly store = new ObjectStore();
  private watcher?: FSWatcher;
  private loaded = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dir: string,
    private readonly o: ManifestsStateOptions = {},
  ) {}

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
    return this.loaded;
  }

  async start(): Promise<void> {
    await this.reload();
    this.watcher = watch(this.dir, { recursive: true }, () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.reload(), this.o.debounceMs ?? 150);
    });
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.watcher?.close();
  }

  /** Reads every file; a file that does not parse keeps the previous state (nothing is lost). */
  async reload(): Promise<void> {
    const byKind = new Map<WatchedKind, KubernetesObject[]>(
      (Object.keys(KIND_TO_FIELD) as WatchedKind[]).map((k) => [k, []]),
    );
    for (const file of await listFiles(this.dir)) {
      const docs = parseAllDocuments(await readFile(file, 'utf8'));
      for (const [i, doc] of docs.entries()) {
        if (doc.errors.length > 0) {
          this.o.onProblem?.(
            `${file}: document ${i + 1}: ${doc.errors[0]?.message ?? 'invalid YAML'}; keeping the previous state`,
          );
          return;
        }
        const value = doc.toJS() as KubernetesObject | null;
        const items =
          value?.kind === 'List'
            ? ((value as { items?: KubernetesObject[] }).items ?? [])
            : value
              ? [value]
              : [];
        for (const raw of items) {
          if (!raw?.kind || !(raw.kind in KIND_TO_FIELD) || !raw.metadata?.name) continue;
          const clusterScoped = CLUSTER_SCOPED.has(raw.kind);
          const o = clusterScoped
            ? raw
            : { ...raw, metadata: { ...raw.metadata, namespace: raw.metadata.namespace ?? 'default' } };
          byKind.get(raw.kind as WatchedKind)!.push(this.o.transform ? this.o.transform(o) : o);
        }
      }
    }
    for (const [kind, objects] of byKind) this.store.replaceAll(kind, objects);
    this.loaded = true;
  }
}
