/**
 * The whole product on loopback for suites and benchmarks that need a fresh one: etcd + kube-apiserver,
 * moto seeded as local mode seeds it, the project's RBAC, IngressClass and CRDs applied, the webhook running
 * in-process as the project's ServiceAccount, and its own webhook configurations registered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { stringify } from 'yaml';
import { type SeededWorld, seedLocalWorld } from '../../cli/dev/seed';
import { CHART } from '../support/helm';
import { type K8sObject, type Kube, renderManifests, startKube, webhookConfigsFor } from '../support/kube';
import { awsClientConfig, type Moto, startMoto, TEST_REGION } from '../support/moto';
import { type FaultSwitch, type System, startSystem } from './system';

export const toYaml = (objs: K8sObject[]) => objs.map((o) => stringify(o)).join('---\n');

export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 45_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export interface Harness {
  kube: Kube;
  moto: Moto;
  world: SeededWorld;
  system: System;
  faults: FaultSwitch;
  /** A client of the test's own (no faults, no counters). */
  elbv2: ElasticLoadBalancingV2Client;
  apply(objects: K8sObject[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startHarness(o: {
  cluster: string;
  readinessGates?: { intervalMs: number };
  debounceMs?: number;
}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'albatross-e2e-'));
  let kube: Kube | undefined;
  let moto: Moto | undefined;
  let system: System | undefined;
  const stop = async () => {
    await system?.stop();
    await Promise.all([kube?.stop(), moto?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    [kube, moto] = await Promise.all([startKube(), startMoto()]);
    const k = kube;
    const world = await seedLocalWorld({ endpoint: moto.endpoint, region: TEST_REGION }, o.cluster);
    const apply = async (objects: K8sObject[]) => {
      const r = await k.kubectl(['apply', '-f', '-'], { input: toYaml(objects) });
      if (r.code !== 0) throw new Error(`kubectl apply: ${r.stderr}`);
    };
    const manifests = renderManifests();
    const keep = ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];
    await apply(manifests.filter((m) => [...keep, 'IngressClass'].includes(m.kind)));
    // The CRDs the product reads (IngressClassParams), established before the webhook lists them.
    const crds = join(CHART, 'crds');
    for (const args of [
      ['apply', '-f', crds],
      ['wait', '--for=condition=Established', 'crd', '--all', '--timeout=30s'],
    ]) {
      const r = await k.kubectl(args);
      if (r.code !== 0) throw new Error(`kubectl ${args[0]}: ${r.stderr}`);
    }
    const token = await k.kubectl([
      'create',
      'token',
      'albatross',
      '-n',
      'albatross-system',
      '--duration=1h',
    ]);
    if (token.code !== 0) throw new Error(`kubectl create token: ${token.stderr}`);
    let faults: FaultSwitch;
    ({ system, faults } = await startSystem({
      kube: k,
      serviceAccountToken: token.stdout.trim(),
      awsEndpoint: moto.endpoint,
      clusterName: o.cluster,
      queueUrl: world.queueUrl,
      resultsQueueUrl: world.resultsQueueUrl,
      dir,
      ...(o.readinessGates ? { readinessGates: o.readinessGates } : {}),
      ...(o.debounceMs !== undefined ? { debounceMs: o.debounceMs } : {}),
    }));
    await apply(webhookConfigsFor(manifests, system.webhookUrl, system.caPem));
    return {
      kube: k,
      moto,
      world,
      system,
      faults,
      elbv2: new ElasticLoadBalancingV2Client(awsClientConfig(moto.endpoint)),
      apply,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
