/**
 * `albatross dev --kube` as a user runs it: a real kube-apiserver with the webhook registered, so
 * `kubectl apply -f examples/shop` gives Ingresses whose ADDRESS is the ALB's DNS name and whose Events say
 * they were reconciled; Ctrl-C leaves no process and no folder behind.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { apiServerAvailable } from '../support/kube';
import { noneLeft } from '../support/processes';
import { spawnCli, stopAllSpawned } from '../support/spawn-cli';
import { eventually } from './harness';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  await stopAllSpawned();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!apiServerAvailable())('albatross dev --kube', () => {
  it('kubectl apply, get ingress (ADDRESS) and describe ingress (Events) work; Ctrl-C leaves nothing', async () => {
    // The cluster objects (IngressClass, nodes, services, endpoints) at start; the Ingresses by kubectl.
    const dir = mkdtempSync(join(tmpdir(), 'albatross-test-'));
    dirs.push(dir);
    cpSync('examples/shop/00-cluster.yaml', join(dir, '00-cluster.yaml'));
    const dev = spawnCli(['dev', '--kube', '--manifests', dir, '--cluster-name', 'kube-dev'], {
      AWS_ENDPOINT_URL: '',
    });
    const [, motoPort] = await dev.waitFor(/AWS endpoint http:\/\/127\.0\.0\.1:(\d+)/, 120_000);
    const [, apiserver] = await dev.waitFor(/kube-apiserver (https:\/\/127\.0\.0\.1:\d+)/, 180_000);
    const [, kubeconfig] = await dev.waitFor(/export KUBECONFIG=(\S+)/, 180_000);
    const kubectl = async (...args: string[]) =>
      (
        await run('kubectl', args, {
          env: { ...process.env, KUBECONFIG: kubeconfig!, NO_PROXY: '127.0.0.1' },
        })
      ).stdout;

    expect(await kubectl('apply', '-f', 'examples/shop')).toMatch(
      /ingress\.networking\.k8s\.io\/storefront created/,
    );
    const address = await eventually(
      'the ADDRESS of shop/storefront',
      async () => {
        const out = await kubectl('get', 'ingress', '-n', 'shop', 'storefront');
        const [, row] = out.trim().split('\n');
        return row?.split(/\s+/).find((c) => c.endsWith('.elb.amazonaws.com'));
      },
      120_000,
      500,
    );
    expect(address).toMatch(/^k8s-shop-\w+-\d+\.us-east-1\.elb\.amazonaws\.com$/);
    // The tree of what AWS now holds, printed after the batch.
    await dev.waitFor(/ALB k8s-shop-\w+ \(stack shop, internet-facing\)/, 60_000);
    const described = await eventually(
      'the SuccessfullyReconciled Event',
      async () => {
        const out = await kubectl('describe', 'ingress', '-n', 'shop', 'storefront');
        return /Normal\s+SuccessfullyReconciled/.test(out) && out;
      },
      60_000,
      500,
    );
    expect(described).toContain(`Address:          ${address}`);

    // Admission runs through the registered webhook: a broken annotation is denied with its reason.
    const denied = await run(
      'kubectl',
      [
        'annotate',
        '--overwrite',
        'ingress',
        '-n',
        'shop',
        'storefront',
        'alb.ingress.kubernetes.io/scheme=public',
      ],
      { env: { ...process.env, KUBECONFIG: kubeconfig! } },
    ).catch((e: { stderr: string }) => e);
    expect((denied as { stderr: string }).stderr).toContain('alb.ingress.kubernetes.io/scheme: public');

    dev.proc.kill('SIGINT');
    expect((await dev.exited(60_000)).code).toBe(0);
    const port = apiserver!.split(':').at(-1);
    // etcd and kube-apiserver keep their data and certificates in the dev process's kube folder.
    const ours = `moto_server .*-p ${motoPort}\\b|--secure-port=${port}\\b|albatross-kube-${dev.proc.pid}-`;
    expect(await noneLeft(new RegExp(ours))).toEqual([]);
    expect(existsSync(kubeconfig!)).toBe(false);
    expect(readdirSync(tmpdir()).filter((n) => n.includes(`-${dev.proc.pid}-`))).toEqual([]);
  });
});
