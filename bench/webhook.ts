/**
 * Admission latency and throughput over HTTPS (autocannon at fixed rates), our /validate next to a bare
 * fastify HTTPS route returning `allowed: true`; and forwarder coalescing: 1000 Ingress changes across
 * 50 groups within 10 s → snapshots sent.
 */
import type { V1Ingress } from '@kubernetes/client-node';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { selfSignedCertificate } from '../cli/dev/certs';
import { freePort } from '../cli/dev/moto';
import type { StackSnapshot } from '../shared/messages';
import { type ClusterState, ObjectStore } from '../webhook/cluster-state';
import { Forwarder } from '../webhook/forwarder';
import { startWebhookServer } from '../webhook/server';
import { bigGroup, table } from './_fixtures';

class MemoryState implements ClusterState {
  readonly store = new ObjectStore();
  snapshot = () => this.store.snapshot();
  onChange = (l: Parameters<ClusterState['onChange']>[0]) => this.store.onChange(l);
  synced = () => true;
  start = async () => undefined;
  stop = async () => undefined;
}

async function load(url: string, body: string, rate: number, seconds: number) {
  const r = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    // The API server reuses a few keep-alive connections per webhook; more would measure queueing in the load generator.
    connections: 4,
    overallRate: rate,
    duration: seconds,
    // Self-signed certificate: the load generator does not verify it.
    ...({ tlsOptions: { rejectUnauthorized: false } } as object),
  });
  return { p50: r.latency.p50, p99: r.latency.p99, rps: r.requests.average, errors: r.errors + r.non2xx };
}

async function admission(rows: (string | number)[][]) {
  const pem = await selfSignedCertificate('127.0.0.1');
  const state = new MemoryState();
  const objects = bigGroup(20, 100, 'bench');
  for (const i of objects.ingressClasses) state.store.upsert('IngressClass', i);
  for (const s of objects.services) state.store.upsert('Service', s);
  for (const n of objects.nodes) state.store.upsert('Node', n);
  for (const i of objects.ingresses) state.store.upsert('Ingress', i);
  const ours = await startWebhookServer({
    host: '127.0.0.1',
    port: 0,
    tlsCertFile: pem.certFile,
    tlsKeyFile: pem.keyFile,
    clusterName: 'bench',
    state,
  });
  const bare = Fastify({ https: { cert: pem.cert, key: pem.key } });
  bare.post('/validate', async (req) => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: (req.body as { request: { uid: string } }).request.uid, allowed: true },
  }));
  const barePort = await freePort();
  await bare.listen({ host: '127.0.0.1', port: barePort });
  const candidate = objects.ingresses[7]!;
  const body = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u',
      operation: 'UPDATE',
      namespace: candidate.metadata!.namespace,
      object: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', ...candidate },
    },
  });
  try {
    for (const rate of [100, 500, 2000]) {
      const b = await load(`https://127.0.0.1:${barePort}/validate`, body, rate, 5);
      const o = await load(`${ours.url}/validate`, body, rate, 5);
      rows.push([rate, 'bare fastify', b.p50, b.p99, b.rps.toFixed(0), b.errors]);
      rows.push([rate, 'albatross /validate (20-member group)', o.p50, o.p99, o.rps.toFixed(0), o.errors]);
    }
  } finally {
    await ours.close();
    await bare.close();
  }
}

async function coalescing(): Promise<string> {
  const state = new MemoryState();
  const groups = 50;
  const ings: V1Ingress[] = [];
  for (let g = 0; g < groups; g++) {
    const o = bigGroup(1, 2, `g${g}`);
    if (g === 0) for (const c of o.ingressClasses) state.store.upsert('IngressClass', c);
    state.store.upsert('Service', {
      ...o.services[0]!,
      metadata: { ...o.services[0]!.metadata, namespace: `ns-${g}` },
    });
    const ing = {
      ...o.ingresses[0]!,
      metadata: { ...o.ingresses[0]!.metadata, name: `ing-${g}`, namespace: `ns-${g}` },
    };
    ings.push(ing);
    state.store.upsert('Ingress', ing);
  }
  let sent = 0;
  const forwarder = new Forwarder({
    clusterName: 'bench',
    state,
    isLeader: () => true,
    sender: {
      send: async (s: StackSnapshot[]) => {
        sent += s.length;
        return { failed: [] };
      },
    },
  });
  const changes = 1000;
  const started = Date.now();
  for (let i = 0; i < changes; i++) {
    const g = i % groups;
    const ing = structuredClone(ings[g]!);
    ing.spec!.rules![0]!.http!.paths[0]!.path = `/v${i}`;
    state.store.upsert('Ingress', ing);
    await new Promise((r) => setTimeout(r, 10_000 / changes));
  }
  const spread = Date.now() - started;
  await new Promise((r) => setTimeout(r, 7000));
  await forwarder.drain();
  return `forwarder: ${changes} Ingress changes across ${groups} groups in ${(spread / 1000).toFixed(1)} s → ${sent} snapshots sent (target ≤ 100)\n`;
}

export async function run(): Promise<void> {
  const rows: (string | number)[][] = [['req/s', 'server', 'p50 ms', 'p99 ms', 'achieved req/s', 'errors']];
  await admission(rows);
  process.stdout.write(table(rows));
  process.stdout.write('target: p99 < 5 ms at 500 req/s, overhead ≤ 1.5× the bare route\n');
  process.stdout.write(await coalescing());
}
