/**
 * The real API server side: how long etcd + kube-apiserver take to be ready (the e2e suites pay it per
 * file), and what the project's webhook configurations cost an Ingress write: no webhooks, our Ingress
 * through both webhooks (a loopback stub that answers at once), and a foreign Ingress that the CEL
 * matchConditions keep away from the webhook. Server-side dry-run creates, sequential, one keep-alive
 * connection. Needs the assets from scripts/kube-assets.sh.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startAdmissionStub } from '../test/e2e/admission-stub';
import {
  assetsDir,
  KUBE_SKIP_MESSAGE,
  type Kube,
  renderManifests,
  startKube,
  webhookConfigsFor,
} from '../test/support/kube';

const STARTS = 3;
const WRITES = 200;

function post(kube: Kube, agent: Agent, path: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(
      `${kube.server}${path}`,
      {
        method: 'POST',
        agent,
        ca: kube.caPem,
        headers: { authorization: `Bearer ${kube.token}`, 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const fmt = (ms: number) => ms.toFixed(ms < 10 ? 2 : 0).padStart(7);

async function writes(kube: Kube, className: string): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const body = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: `bench-${i}` },
      spec: {
        ingressClassName: className,
        defaultBackend: { service: { name: 'web', port: { number: 80 } } },
      },
    };
    const t0 = performance.now();
    const status = await post(
      kube,
      agent,
      '/apis/networking.k8s.io/v1/namespaces/default/ingresses?dryRun=All',
      body,
    );
    times.push(performance.now() - t0);
    if (status !== 201) throw new Error(`dry-run create returned HTTP ${status}`);
  }
  agent.destroy();
  return times.slice(10).sort((a, b) => a - b); // first 10 warm the connection and caches
}

export async function run(): Promise<void> {
  if (!assetsDir()) {
    console.log(`skipped: ${KUBE_SKIP_MESSAGE}`);
    return;
  }
  const starts: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const t0 = performance.now();
    const k = await startKube();
    starts.push(performance.now() - t0);
    await k.stop();
  }
  starts.sort((a, b) => a - b);
  console.log(
    `etcd + kube-apiserver ready (/readyz), ${STARTS} starts: min ${fmt(starts[0] ?? 0)} ms, median ${fmt(pct(starts, 0.5))} ms`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'albatross-bench-kube-'));
  const [kube, stub] = await Promise.all([startKube(), startAdmissionStub(dir)]);
  try {
    const rows: [string, number[]][] = [];
    rows.push(['no webhooks', await writes(kube, 'alb')]);
    const configs = webhookConfigsFor(renderManifests(), stub.url, stub.caPem);
    const applied = await kube.kubectl(['apply', '-f', '-'], {
      input: configs.map((c) => stringify(c)).join('---\n'),
    });
    if (applied.code !== 0) throw new Error(applied.stderr);
    // Let the configurations reach the admission chain.
    while (!stub.seen.length) {
      await writes(kube, 'alb').catch(() => undefined);
    }
    stub.seen.length = 0;
    rows.push(['ours: mutate + validate', await writes(kube, 'alb')]);
    const called = stub.seen.length;
    stub.seen.length = 0;
    rows.push(['foreign class (CEL skips)', await writes(kube, 'nginx')]);
    const foreignCalls = stub.seen.length;

    console.log(`\nIngress create (server dry run), ${WRITES - 10} sequential requests each, ms:`);
    console.log(
      `case                          p50     p90     p99     max  webhook calls (all ${WRITES} requests)`,
    );
    const calls = ['-', String(called), String(foreignCalls)];
    rows.forEach(([name, t], i) => {
      console.log(
        `${name.padEnd(26)}${fmt(pct(t, 0.5))} ${fmt(pct(t, 0.9))} ${fmt(pct(t, 0.99))} ${fmt(t[t.length - 1] ?? 0)}  ${calls[i]}`,
      );
    });
  } finally {
    await kube.stop();
    await new Promise((r) => stub.server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
}
