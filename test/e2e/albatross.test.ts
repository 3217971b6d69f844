/**
 * Albatross end to end, every part real except the cloud: etcd + kube-apiserver and moto on loopback,
 * the project's own webhook configurations (re-pointed at the in-process webhook), the webhook +
 * forwarder + results consumer in-process, and the reconciler handler fed from the moto FIFO queue.
 * Everything is driven with the real `kubectl`, the way a user would.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type SeededWorld, seedLocalWorld } from '../../cli/dev/seed';
import {
  assetsAvailable,
  type K8sObject,
  type Kube,
  renderManifests,
  startKube,
  webhookConfigsFor,
} from '../support/kube';
import { awsClientConfig, type Moto, startMoto, TEST_REGION } from '../support/moto';
import { pathsByPriority, stackTargetGroups, viewStack } from './aws-view';
import { type FaultSwitch, type System, startSystem } from './system';

const CLUSTER = 'e2e';
const NS = 'shop';
const toYaml = (objs: K8sObject[]) => objs.map((o) => stringify(o)).join('---\n');

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 45_000,
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
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

function cluster(world: SeededWorld): K8sObject[] {
  const nodes = world.instanceIds.slice(0, 2).map((id, i) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}` } },
    spec: { providerID: `aws:///us-east-1a/${id}` },
  }));
  const service = (name: string, nodePort: number) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: NS, name },
    spec: {
      type: 'NodePort',
      selector: { app: name },
      ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort, protocol: 'TCP' }],
    },
  });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    ...nodes,
    service('web', 30080),
    service('api', 30081),
  ];
}

function webIngress(apiPath: string, extra: Record<string, string> = {}): K8sObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      namespace: NS,
      name: 'web',
      annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing', ...extra },
    },
    spec: {
      ingressClassName: 'alb',
      rules: [
        {
          http: {
            paths: [
              {
                path: apiPath,
                pathType: 'Prefix',
                backend: { service: { name: 'api', port: { number: 80 } } },
              },
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  };
}

interface EventItem {
  lastTimestamp?: string;
  eventTime?: string;
  reason?: string;
  message?: string;
  note?: string;
  type?: string;
  involvedObject?: { name?: string; kind?: string };
  regarding?: { name?: string; kind?: string };
}

describe.skipIf(!assetsAvailable())(
  'albatross end to end (kube-apiserver + moto + webhook + reconciler)',
  () => {
    let kube: Kube;
    let moto: Moto;
    let world: SeededWorld;
    let system: System;
    let faults: FaultSwitch;
    let dir: string;
    let elbv2: ElasticLoadBalancingV2Client;
    let sqs: SQSClient;
    const stackId = `${NS}/web`;

    /** Events about an object, from both the core and events.k8s.io APIs (whichever the results consumer writes). */
    async function events(name: string): Promise<EventItem[]> {
      const core = await kube.kubectl(['get', 'events', '-n', NS, '-o', 'json']);
      const items = (JSON.parse(core.stdout || '{"items":[]}') as { items: EventItem[] }).items;
      return items.filter((e) => (e.involvedObject ?? e.regarding)?.name === name);
    }

    async function getIngress(name: string): Promise<K8sObject | undefined> {
      const r = await kube.kubectl(['get', 'ingress', '-n', NS, name, '-o', 'json']);
      return r.code === 0 ? (JSON.parse(r.stdout) as K8sObject) : undefined;
    }

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'albatross-e2e-'));
      [kube, moto] = await Promise.all([startKube(), startMoto()]);
      world = await seedLocalWorld({ endpoint: moto.endpoint, region: TEST_REGION }, CLUSTER);
      elbv2 = new ElasticLoadBalancingV2Client(awsClientConfig(moto.endpoint));
      sqs = new SQSClient(awsClientConfig(moto.endpoint));

      const manifests = renderManifests();
      const ns = manifests.filter((o) => o.kind === 'Namespace');
      const rbac = manifests.filter((o) =>
        [
          'ServiceAccount',
          'ClusterRole',
          'ClusterRoleBinding',
          'Role',
          'RoleBinding',
          'IngressClass',
        ].includes(o.kind),
      );
      const applied = await kube.kubectl(['apply', '-f', '-'], { input: toYaml([...ns, ...rbac]) });
      expect(applied.code, applied.stderr).toBe(0);

      // The webhook runs as the chart's ServiceAccount, so the chart's RBAC is what it gets.
      const token = await kube.kubectl([
        'create',
        'token',
        'albatross',
        '-n',
        'albatross-system',
        '--duration=1h',
      ]);
      expect(token.code, token.stderr).toBe(0);

      ({ system, faults } = await startSystem({
        kube,
        serviceAccountToken: token.stdout.trim(),
        awsEndpoint: moto.endpoint,
        clusterName: CLUSTER,
        queueUrl: world.queueUrl,
        resultsQueueUrl: world.resultsQueueUrl,
        dir,
      }));

      const hooks = webhookConfigsFor(manifests, system.webhookUrl, system.caPem);
      const registered = await kube.kubectl(['apply', '-f', '-'], { input: toYaml(hooks) });
      expect(registered.code, registered.stderr).toBe(0);
      const fixtures = await kube.kubectl(['apply', '-f', '-'], { input: toYaml(cluster(world)) });
      expect(fixtures.code, fixtures.stderr).toBe(0);
      for (const n of ['node-0', 'node-1']) {
        const ready = await kube.kubectl([
          'patch',
          'node',
          n,
          '--subresource=status',
          '--type=merge',
          '-p',
          JSON.stringify({
            status: {
              conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready' }],
            },
          }),
        ]);
        expect(ready.code, ready.stderr).toBe(0);
      }
      // Webhook configurations reach the admission chain asynchronously.
      await eventually('the webhook to be called by the API server', async () => {
        const r = await kube.kubectl(['apply', '--dry-run=server', '-f', '-'], {
          input: toYaml([webIngress('/api', { 'alb.ingress.kubernetes.io/scheme': 'not-a-scheme' })]),
        });
        return r.code !== 0 && r.stderr.includes('denied the request');
      });
    });

    afterAll(async () => {
      await system?.stop();
      await Promise.all([kube?.stop(), moto?.stop()]);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('creates the ALB for a new Ingress, adds the finalizer, publishes the hostname and an Event', async () => {
      const res = await kube.kubectl(['apply', '-f', '-'], { input: toYaml([webIngress('/api')]) });
      expect(res.code, res.stderr).toBe(0);

      const stack = await eventually('the ALB in moto', async () => {
        const v = await viewStack(elbv2, CLUSTER, stackId);
        return v && v.listeners.length > 0 && v.listeners[0]!.rules.length >= 3 ? v : undefined;
      });
      expect(stack.lb.Scheme).toBe('internet-facing');
      expect(stack.listeners.map((l) => [l.listener.Port, l.listener.Protocol])).toEqual([[80, 'HTTP']]);
      expect(pathsByPriority(stack.listeners[0]!.rules)).toEqual({ '1': ['/api', '/api/*'], '2': ['/*'] });
      expect(stack.targetGroups.map((t) => t.Port).sort()).toEqual([30080, 30081]);

      const ing = await getIngress('web');
      expect(ing?.metadata.finalizers).toContain('ingress.k8s.aws/resources');
      const hostname = await eventually('status.loadBalancer hostname', async () => {
        const i = (await getIngress('web')) as {
          status?: { loadBalancer?: { ingress?: { hostname?: string }[] } };
        };
        return i?.status?.loadBalancer?.ingress?.[0]?.hostname;
      });
      expect(hostname).toBe(stack.lb.DNSName);
      const ev = await eventually('a SuccessfullyReconciled Event', async () =>
        (await events('web')).find((e) => e.reason === 'SuccessfullyReconciled'),
      );
      expect(ev.type).toBe('Normal');
    });

    it('rejects a bad annotation in kubectl with our message', async () => {
      const res = await kube.kubectl(['apply', '-f', '-'], {
        input: toYaml([webIngress('/api', { 'alb.ingress.kubernetes.io/scheme': 'public' })]),
      });
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain('admission webhook "vingress.albatross.dev" denied the request');
      expect(res.stderr).toContain(`${NS}/web: alb.ingress.kubernetes.io/scheme: public: expected`);
      const stack = await viewStack(elbv2, CLUSTER, stackId);
      expect(stack?.lb.Scheme).toBe('internet-facing'); // nothing changed
    });

    it('sends nothing to SQS for a server-side dry run', async () => {
      await system.pump.idle();
      const before = system.pump.received.length;
      const dry = await kube.kubectl(['apply', '--dry-run=server', '-f', '-'], {
        input: toYaml([webIngress('/dry-run')]),
      });
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain('(server dry run)');
      // Longer than the forwarder's debounce: a snapshot, had one been sent, would have arrived.
      await new Promise((r) => setTimeout(r, 3000));
      await system.pump.idle();
      expect(system.pump.received.slice(before)).toEqual([]);
      const stack = await viewStack(elbv2, CLUSTER, stackId);
      expect(JSON.stringify(pathsByPriority(stack!.listeners[0]!.rules))).not.toContain('/dry-run');
    });

    it('a failing AWS call surfaces as a FailedDeployModel Event with the reason', async () => {
      // A changed path is applied in place (ModifyRule); a new one would be CreateRule: deny both.
      faults.fail('CreateRule', {
        name: 'AccessDenied',
        message: 'User is not authorized to perform: CreateRule',
      });
      faults.fail('ModifyRule', {
        name: 'AccessDenied',
        message: 'User is not authorized to perform: ModifyRule',
      });
      try {
        const res = await kube.kubectl(['apply', '-f', '-'], { input: toYaml([webIngress('/fails')]) });
        expect(res.code, res.stderr).toBe(0);
        const ev = await eventually('a FailedDeployModel Event', async () =>
          (await events('web')).find((e) => e.reason === 'FailedDeployModel'),
        );
        expect(ev.type).toBe('Warning');
        expect(ev.message ?? ev.note).toContain('AccessDenied');
      } finally {
        faults.clear();
      }
    });

    it('recovers: after the cause is fixed, any edit re-sends the stack that gave up, and the latest Event is Normal', async () => {
      faults.fail('CreateRule', {
        name: 'AccessDenied',
        message: 'User is not authorized to perform: CreateRule',
      });
      faults.fail('ModifyRule', {
        name: 'AccessDenied',
        message: 'User is not authorized to perform: ModifyRule',
      });
      const broken = webIngress('/recovers');
      try {
        const res = await kube.kubectl(['apply', '-f', '-'], { input: toYaml([broken]) });
        expect(res.code, res.stderr).toBe(0);
        // Every delivery fails until SQS parks the snapshot in the DLQ: nothing retries it any more.
        await eventually(
          'the snapshot to give up into the DLQ',
          async () => {
            const { Attributes } = await sqs.send(
              new GetQueueAttributesCommand({
                QueueUrl: world.dlqUrl,
                AttributeNames: ['ApproximateNumberOfMessages'],
              }),
            );
            return Number(Attributes?.ApproximateNumberOfMessages) > 0 ? true : undefined;
          },
          90_000,
        );
      } finally {
        faults.clear();
      }
      const latest = async () =>
        (await events('web'))
          .sort((a, b) =>
            String(a.lastTimestamp ?? a.eventTime).localeCompare(String(b.lastTimestamp ?? b.eventTime)),
          )
          .at(-1);
      expect((await latest())?.reason).toBe('FailedDeployModel');

      // IAM is fixed; someone adds a label (the desired stack, and so its digest, stay the same).
      const touched: K8sObject = { ...broken, metadata: { ...broken.metadata, labels: { team: 'shop' } } };
      const res = await kube.kubectl(['apply', '-f', '-'], { input: toYaml([touched]) });
      expect(res.code, res.stderr).toBe(0);
      const ev = await eventually('a Normal Event after the Warning', async () => {
        const e = await latest();
        return e?.reason === 'SuccessfullyReconciled' ? e : undefined;
      });
      expect(ev.type).toBe('Normal');
      expect(ev.message ?? ev.note).toBe(
        `Successfully reconciled stack ${stackId} (recovered from the earlier failure)`,
      );
      const stack = await viewStack(elbv2, CLUSTER, stackId);
      expect(JSON.stringify(pathsByPriority(stack!.listeners[0]!.rules))).toContain('/recovers');
      // The README's failure-and-recovery sample is this output (ALBATROSS_SHOW_EVENTS=1 prints it).
      if (process.env.ALBATROSS_SHOW_EVENTS) {
        const d = await kube.kubectl(['describe', 'ingress', '-n', NS, 'web']);
        process.stderr.write(`${d.stdout}\n`);
      }
    });

    it('moves a rule when a path is edited', async () => {
      const res = await kube.kubectl(['apply', '-f', '-'], { input: toYaml([webIngress('/v2')]) });
      expect(res.code, res.stderr).toBe(0);
      const paths = await eventually('the edited rule', async () => {
        const v = await viewStack(elbv2, CLUSTER, stackId);
        const p = v && pathsByPriority(v.listeners[0]!.rules);
        return p && JSON.stringify(p) === JSON.stringify({ '1': ['/v2', '/v2/*'], '2': ['/*'] })
          ? p
          : undefined;
      });
      expect(paths).toEqual({ '1': ['/v2', '/v2/*'], '2': ['/*'] });
    });

    it('deletes the ALB and target groups, then releases the Ingress', async () => {
      const del = await kube.kubectl(['delete', 'ingress', '-n', NS, 'web', '--wait=true', '--timeout=60s'], {
        timeoutMs: 90_000,
      });
      expect(del.code, del.stderr).toBe(0);
      expect(await getIngress('web')).toBeUndefined();
      expect(await viewStack(elbv2, CLUSTER, stackId)).toBeUndefined();
      expect(await stackTargetGroups(elbv2, CLUSTER, stackId)).toEqual([]);
    });
  },
);
