/** A ClusterState held in memory, for tests that drive the webhook's parts without an API server. */
import type { ClusterObjects } from '../../shared/cluster';
import { type ClusterChange, type ClusterState, ObjectStore } from '../../webhook/cluster-state';

export class MemoryClusterState implements ClusterState {
  readonly store = new ObjectStore();
  constructor(o: ClusterObjects) {
    for (const i of o.ingresses) this.store.upsert('Ingress', i);
    for (const c of o.ingressClasses) this.store.upsert('IngressClass', c);
    for (const s of o.services) this.store.upsert('Service', s);
    for (const n of o.nodes) this.store.upsert('Node', n);
    for (const e of o.endpointSlices) this.store.upsert('EndpointSlice', e);
    for (const p of o.pods ?? []) this.store.upsert('Pod', p);
  }
  snapshot() {
    return this.store.snapshot();
  }
  onChange(l: (c: ClusterChange) => void) {
    this.store.onChange(l);
  }
  synced() {
    return true;
  }
  async start() {}
  async stop() {}
}
