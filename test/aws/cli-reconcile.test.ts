/**
 * `albatross reconcile` and `albatross status` as a user runs them: `node bin/albatross.js …` in a child
 * process, manifests in a directory, AWS_ENDPOINT_URL pointing at moto.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateLoadBalancerCommand,
  DeleteRuleCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { seedLocalWorld } from '../../cli/dev/seed';
import { type AwsClients, createAwsClients } from '../../lambda/reconciler';
import { loadBalancerName } from '../../shared/names';
import { freePort, TEST_REGION } from '../support/moto';

const endpoint = inject('motoEndpoint');
const CLUSTER = 'cli-test';
const ROOT = new URL('../../', import.meta.url).pathname;
let clients: AwsClients;
let world: Awaited<ReturnType<typeof seedLocalWorld>>;
const dirs: string[] = [];

beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  clients = createAwsClients({ endpoint, region: TEST_REGION, maxAttempts: 1 });
});
beforeEach(async () => {
  await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  world = await seedLocalWorld({ endpoint, region: TEST_REGION }, CLUSTER);
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------------------------
// manifests

const CLUSTER_YAML = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: alb
spec:
  controller: ingress.k8s.aws/alb
---
apiVersion: v1
kind: Node
metadata:
  name: node-a
spec:
  providerID: aws:///us-east-1a/i-0abc0000000000001
status:
  conditions:
    - type: Ready
      status: "True"
`;

function appYaml(name: string, annotations: Record<string, string> = {}): string {
  const ann = Object.entries(annotations)
    .map(([k, v]) => `\n    ${k}: ${JSON.stringify(v)}`)
    .join('');
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: apps
  uid: uid-${name}
spec:
  type: NodePort
  ports:
    - name: http
      port: 80
      targetPort: 8080
      nodePort: 30080
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: apps
  uid: uid-ing-${name}
  resourceVersion: "1"
  annotations:${ann || ' {}'}
spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - path: /${name}
            pathType: Prefix
            backend:
              service:
                name: ${name}
                port:
                  number: 80
`;
}

/** A manifests directory: `cluster.yaml` plus one file per app (in a subfolder, to test recursion). */
function manifests(apps: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'albatross-cli-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'cluster.yaml'), CLUSTER_YAML);
  mkdirSync(join(dir, 'apps'));
  for (const [name, text] of Object.entries(apps)) writeFileSync(join(dir, 'apps', `${name}.yml`), text);
  writeFileSync(join(dir, 'README.md'), 'not a manifest');
  return dir;
}

const lbNameOf = (name: string) =>
  loadBalancerName(CLUSTER, { kind: 'implicit', namespace: 'apps', name }, 'internal');

// ------------------------------------------------------------------------------------------------
// running the CLI

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function albatross(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/albatross.js'), ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: TEST_REGION,
        AWS_ENDPOINT_URL: endpoint,
        AWS_EC2_METADATA_DISABLED: 'true',
        // The SDK's "Node 20 support ends" notice, printed once per process on this Node version.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface JsonReport {
  stackId: string;
  outcome: string;
  dnsName?: string;
  changes: { action: string; kind: string; resource: string }[];
  read: number;
  write: number;
  pruned?: boolean;
  error?: { reason: string; message: string; problems?: string[] };
}

const reconcile = (dir: string, ...flags: string[]) =>
  albatross(['reconcile', '--manifests', dir, '--cluster-name', CLUSTER, ...flags]);

async function reconcileJson(dir: string, ...flags: string[]): Promise<{ run: Run; reports: JsonReport[] }> {
  const run = await reconcile(dir, '--json', ...flags);
  return { run, reports: JSON.parse(run.stdout) as JsonReport[] };
}

async function lbNames(): Promise<string[]> {
  const r = await clients.elbv2.send(new DescribeLoadBalancersCommand({ PageSize: 400 }));
  return (r.LoadBalancers ?? []).map((l) => l.LoadBalancerName ?? '').sort();
}

// ------------------------------------------------------------------------------------------------

describe('albatross reconcile', () => {
  it('creates each stack and says what it did, then finds them converged on a second run', async () => {
    const dir = manifests({ web: appYaml('web'), api: appYaml('api') });
    const first = await reconcile(dir);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^apps\/api: created$/m);
    expect(first.stdout).toMatch(/^apps\/web: created$/m);
    expect(first.stdout).toMatch(new RegExp(`^  created +LoadBalancer +${lbNameOf('web')}`, 'm'));
    expect(first.stdout).toMatch(/^ {2}created +TargetGroup +k8s-apps-web-/m);
    expect(first.stdout).toMatch(/^ {2}dnsName: \S+\.elb\.amazonaws\.com$/m);
    expect(first.stdout).toMatch(/^ {2}apiCalls: \{read: [1-9]\d*, write: [1-9]\d*\}$/m);
    expect(first.stdout).toMatch(/^2 stacks: 2 created, 0 unchanged, 0 failed in \d+\.\d s$/m);
    expect(await lbNames()).toEqual([lbNameOf('api'), lbNameOf('web')].sort());

    const second = await reconcile(dir);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^apps\/web: unchanged$/m);
    expect(second.stdout).toMatch(/^2 stacks: 0 created, 2 unchanged, 0 failed in \d+\.\d s$/m);
    expect(second.stdout).not.toMatch(/^ {2}(created|updated|deleted) /m);
    const third = await reconcileJson(dir);
    for (const r of third.reports) {
      expect(r.read).toBeLessThanOrEqual(2);
      expect(r.write).toBe(0);
    }
  });

  it('--json prints one object per stack with stackId, outcome, dnsName, changes, read and write', async () => {
    const dir = manifests({ web: appYaml('web') });
    const { run, reports } = await reconcileJson(dir);
    expect(run.code).toBe(0);
    expect(reports).toHaveLength(1);
    const [r] = reports;
    expect(Object.keys(r!).sort()).toEqual(['changes', 'dnsName', 'outcome', 'read', 'stackId', 'write']);
    expect(r).toMatchObject({
      stackId: 'apps/web',
      outcome: 'Succeeded',
      dnsName: expect.stringMatching(/elb/),
    });
    expect(r!.write).toBeGreaterThan(0);
    expect(r!.changes.map((c) => `${c.action} ${c.kind}`)).toEqual(
      expect.arrayContaining(['create LoadBalancer', 'create Listener', 'create TargetGroup', 'create Rule']),
    );
    // --verify compares everything (no digest fast path) and finds nothing to change.
    const again = await reconcileJson(dir, '--verify');
    expect(again.reports[0]).toMatchObject({ outcome: 'Succeeded', changes: [], write: 0 });
  });

  it('exits 1 on a model problem, printed as field: value: expected, and still reconciles the rest', async () => {
    const dir = manifests({
      web: appYaml('web'),
      bad: appYaml('bad', { 'alb.ingress.kubernetes.io/scheme': 'public' }),
    });
    const human = await reconcile(dir);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^apps\/bad: Failed: InvalidSnapshot$/m);
    expect(human.stdout).toMatch(/^ {2}apps\/bad: alb\.ingress\.kubernetes\.io\/scheme: public: expected /m);
    expect(human.stdout).toMatch(/^apps\/web: created$/m);
    expect(await lbNames()).toEqual([lbNameOf('web')]);

    const { run, reports } = await reconcileJson(dir);
    expect(run.code).toBe(1);
    const bad = reports.find((r) => r.stackId === 'apps/bad');
    expect(bad).toMatchObject({ outcome: 'Failed', read: 0, write: 0, error: { reason: 'InvalidSnapshot' } });
    expect(bad!.error!.problems![0]).toMatch(
      /^apps\/bad: alb\.ingress\.kubernetes\.io\/scheme: public: expected/,
    );
  });

  it('exits 1 when AWS refuses a stack (NotOwned), naming the load balancer', async () => {
    await clients.elbv2.send(
      new CreateLoadBalancerCommand({ Name: lbNameOf('web'), Subnets: world.subnetIds, Scheme: 'internal' }),
    );
    const dir = manifests({ web: appYaml('web'), api: appYaml('api') });
    const { run, reports } = await reconcileJson(dir);
    expect(run.code).toBe(1);
    expect(reports.find((r) => r.stackId === 'apps/web')).toMatchObject({
      outcome: 'Failed',
      error: { reason: 'NotOwned', message: expect.stringContaining(lbNameOf('web')) },
    });
    expect(reports.find((r) => r.stackId === 'apps/api')?.outcome).toBe('Succeeded');
  });

  it('--prune deletes the stacks of this cluster that no manifest produces any more (only with --prune)', async () => {
    const dir = manifests({ web: appYaml('web'), api: appYaml('api') });
    expect((await reconcile(dir)).code).toBe(0);
    unlinkSync(join(dir, 'apps', 'api.yml'));

    const without = await reconcileJson(dir);
    expect(without.reports.map((r) => r.stackId)).toEqual(['apps/web']);
    expect(await lbNames()).toHaveLength(2);

    const { run, reports } = await reconcileJson(dir, '--prune');
    expect(run.code).toBe(0);
    const pruned = reports.find((r) => r.stackId === 'apps/api');
    expect(pruned).toMatchObject({ outcome: 'Succeeded', pruned: true });
    expect(pruned!.changes.map((c) => `${c.action} ${c.kind}`)).toContain('delete LoadBalancer');
    expect(await lbNames()).toEqual([lbNameOf('web')]);

    const human = await reconcile(dir, '--prune');
    expect(human.stdout).not.toContain('pruned');
  });

  it('says clearly, without a stack trace, that the endpoint is unreachable', async () => {
    const dir = manifests({ web: appYaml('web') });
    const port = await freePort();
    const run = await albatross(['reconcile', '--manifests', dir, '--cluster-name', CLUSTER], {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `albatross reconcile: cannot reach http://127.0.0.1:${port} (AWS_ENDPOINT_URL, us-east-1): ECONNREFUSED: is the emulator running? (unset AWS_ENDPOINT_URL to use real AWS)\n`,
    );
  });

  it('says clearly, without a stack trace, that there are no credentials', async () => {
    const dir = manifests({ web: appYaml('web') });
    const home = mkdtempSync(join(tmpdir(), 'albatross-home-'));
    dirs.push(home);
    const run = await albatross(['reconcile', '--manifests', dir, '--cluster-name', CLUSTER], {
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^albatross reconcile: no AWS credentials for http:\/\/127\.0\.0\.1:\d+ .*AWS_ACCESS_KEY_ID/,
    );
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('rejects a missing directory and missing flags as usage errors (exit 2)', async () => {
    const missing = await reconcile('/nonexistent/albatross');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^albatross reconcile: --manifests: \/nonexistent\/albatross: no such directory\n/,
    );
    const noCluster = await albatross(['reconcile', '--manifests', '.']);
    expect(noCluster.code).toBe(2);
    expect(noCluster.stderr).toMatch(/missing required flag --cluster-name/);
  });
});

describe('albatross status', () => {
  it('lists the cluster’s load balancers in an aligned table; drift is unknown without manifests', async () => {
    const dir = manifests({ web: appYaml('web'), api: appYaml('api') });
    expect((await reconcile(dir)).code).toBe(0);
    const run = await albatross(['status', '--cluster-name', CLUSTER]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^STACK +ALB +DNS NAME +LISTENERS +RULES +DIGEST +DRIFTED$/);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(
      new RegExp(`^apps/web +${lbNameOf('web')} +\\S+elb\\.amazonaws\\.com +1 +1 +[0-9a-f]{12} +unknown$`),
    );
    // Aligned: the ALB column starts at the same offset on every line.
    const col = (l: string) => l.search(/ (ALB|k8s-)/);
    expect(new Set(lines.map(col)).size).toBe(1);
  });

  it('with --manifests, tells drifted from converged (a rule deleted by hand) and reports it in --json', async () => {
    const dir = manifests({ web: appYaml('web'), api: appYaml('api') });
    expect((await reconcile(dir)).code).toBe(0);
    const clean = await albatross(['status', '--cluster-name', CLUSTER, '--manifests', dir, '--json']);
    expect(clean.code).toBe(0);
    const rows = JSON.parse(clean.stdout) as {
      stackId: string;
      drifted: string;
      rules: number;
      listeners: number;
    }[];
    expect(rows.map((r) => [r.stackId, r.listeners, r.rules, r.drifted])).toEqual([
      ['apps/api', 1, 1, 'no'],
      ['apps/web', 1, 1, 'no'],
    ]);

    // Someone deletes web's rule in the console.
    const lb = (await clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: [lbNameOf('web')] })))
      .LoadBalancers![0]!;
    const listener = (
      await clients.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))
    ).Listeners![0]!;
    const rule = (
      await clients.elbv2.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }))
    ).Rules!.find((r) => !r.IsDefault)!;
    await clients.elbv2.send(new DeleteRuleCommand({ RuleArn: rule.RuleArn }));

    const drifted = await albatross(['status', '--cluster-name', CLUSTER, '--manifests', dir]);
    expect(drifted.code).toBe(0);
    expect(drifted.stdout).toMatch(/^apps\/web +.* 0 +[0-9a-f]{12} +yes$/m);
    expect(drifted.stdout).toMatch(/^apps\/api +.* no$/m);
    expect(drifted.stdout).toMatch(/^apps\/web: would create Rule /m);
  });
});
