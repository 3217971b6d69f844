/**
 * `albatross dev` (npm start) as a user runs it, in manifests mode: however it is stopped, it leaves no
 * moto_server and no temp folder behind; SIGINT/SIGTERM exit 0; broken or empty input is an error before
 * anything starts; and `status` right after it reports no drift.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { noneLeft } from '../support/processes';
import { spawnCli, stopAllSpawned } from '../support/spawn-cli';

const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'albatross-test-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  await stopAllSpawned();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const tempDirsOf = (pid: number) => readdirSync(tmpdir()).filter((n) => n.includes(`-${pid}-`));
const DEV = ['dev', '--no-kube', '--cluster-name', 'dev-test'];
// Its own emulator, not the suite's.
const ENV = { AWS_ENDPOINT_URL: '' };

describe('albatross dev leaves nothing behind', { timeout: 300_000 }, () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s after it is ready: drains, exits 0, moto and temp folders gone',
    async (signal) => {
      const manifests = scratch();
      cpSync('examples', manifests, { recursive: true });
      const run = spawnCli([...DEV, '--manifests', manifests], ENV);
      const [, port] = await run.waitFor(/AWS endpoint http:\/\/127\.0\.0\.1:(\d+)/, 120_000);
      await run.waitFor(/ready\. Edit a file/, 240_000);
      expect(run.stdout()).toContain('ALB k8s-shop-');
      if (signal === 'SIGINT') {
        // An edit prints what it changed, not the whole tree again.
        const api = join(manifests, 'shop', '20-api.yaml');
        const text = readFileSync(api, 'utf8');
        writeFileSync(api, text.replace('"weight":90', '"weight":80').replace('"weight":10', '"weight":20'));
        await run.waitFor(
          /stack shop: \d+ change\(s\)(\n {3}[~+-] .*)*\n {3}~ Rule HTTPS:443 priority \d/,
          120_000,
        );
        expect(run.stdout().match(/ALB k8s-shop-/g)).toHaveLength(1);
      }
      if (signal === 'SIGTERM') {
        // Right after start, the manifests and AWS agree: the CLI builds what the webhook sent.
        const status = spawnSync(
          process.execPath,
          ['bin/albatross.js', 'status', '--cluster-name', 'dev-test', '--manifests', manifests, '--json'],
          { encoding: 'utf8', env: { ...process.env, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` } },
        );
        expect(status.status, status.stderr).toBe(0);
        const rows = JSON.parse(status.stdout) as { stackId: string; drifted: string; changes?: unknown[] }[];
        expect(rows.map((r) => [r.stackId, r.drifted, r.changes])).toEqual([['shop', 'no', []]]);
      }
      run.proc.kill(signal);
      expect((await run.exited(60_000)).code).toBe(0);
      expect(await noneLeft(new RegExp(`moto_server .*-p ${port}\\b`))).toEqual([]);
      expect(tempDirsOf(run.proc.pid!)).toEqual([]);
    },
  );

  it.each(['SIGHUP', 'SIGKILL'] as const)('%s while it starts: moto goes with it', async (signal) => {
    const run = spawnCli(DEV, ENV);
    const [, port] = await run.waitFor(/AWS endpoint http:\/\/127\.0\.0\.1:(\d+)/, 120_000);
    run.proc.kill(signal);
    await run.exited(60_000);
    // SIGKILL runs no code of ours: the kernel's parent-death signal stops moto.
    expect(await noneLeft(new RegExp(`moto_server .*-p ${port}\\b`))).toEqual([]);
    if (signal === 'SIGHUP') expect(tempDirsOf(run.proc.pid!)).toEqual([]);
    // A killed process cannot remove its folder (the next run sweeps it); the test leaves none behind.
    for (const n of tempDirsOf(run.proc.pid!)) rmSync(join(tmpdir(), n), { recursive: true, force: true });
  });
});

describe('albatross dev --once refuses input it cannot use, before starting anything', {
  timeout: 120_000,
}, () => {
  it('manifests that do not parse: exit 1, the file and the problem named', async () => {
    const dir = scratch();
    cpSync('examples/shop', dir, { recursive: true });
    writeFileSync(join(dir, '20-api.yaml'), 'kind: Ingress\nmetadata: [unclosed\n');
    const run = spawnCli(['dev', '--once', '--manifests', dir], ENV);
    expect((await run.exited(60_000)).code).toBe(1);
    expect(run.stderr()).toMatch(/20-api\.yaml: document 1: /);
    expect(run.stderr()).not.toContain('starting the AWS emulator');
  });

  it('no Kubernetes YAML, or no Ingress of ours: exit 1, saying so', async () => {
    const empty = scratch();
    const run = spawnCli(['dev', '--once', '--manifests', empty], ENV);
    expect((await run.exited(60_000)).code).toBe(1);
    expect(run.stderr()).toContain(`--manifests: ${empty}: no .yaml/.yml/.json file: nothing to reconcile`);

    const noIngress = scratch();
    mkdirSync(join(noIngress, 'x'));
    cpSync('examples/shop/00-cluster.yaml', join(noIngress, 'x', 'cluster.yaml'));
    const other = spawnCli(['dev', '--once', '--manifests', noIngress], ENV);
    expect((await other.exited(60_000)).code).toBe(1);
    expect(other.stderr()).toMatch(
      /no Ingress of an IngressClass of albatross in 1 file\(s\): nothing to reconcile/,
    );
  });

  it('a folder that does not exist', async () => {
    const run = spawnCli(['dev', '--once', '--manifests', '/nonexistent/albatross'], ENV);
    expect((await run.exited(60_000)).code).toBe(1);
    expect(run.stderr().trim()).toBe('albatross dev: --manifests: /nonexistent/albatross: no such directory');
  });
});
