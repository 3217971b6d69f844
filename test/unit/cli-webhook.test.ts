/**
 * `albatross webhook` fails fast: every startup problem ends the process with the cause named (a Pod
 * crash-loops instead of hanging), and SIGTERM / SIGINT drain and exit 0. Spawned as in a container.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PemPair, selfSignedCertificate } from '../../cli/dev/certs';
import { freePort } from '../../cli/dev/moto';
import { spawnCli, stopAllSpawned } from '../support/spawn-cli';

let tls: PemPair;
let dir: string;
let busy: Server;
let busyPort: number;

beforeAll(async () => {
  tls = await selfSignedCertificate('127.0.0.1');
  dir = mkdtempSync(join(tmpdir(), 'albatross-test-'));
  writeFileSync(join(dir, 'garbage.kubeconfig'), 'this: [is not: a kubeconfig');
  writeFileSync(
    join(dir, 'dead.kubeconfig'),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${await freePort()}` } }],
      users: [{ name: 'u', user: { token: 'x' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'c',
    }),
  );
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(async () => {
  await stopAllSpawned();
  tls.remove();
  rmSync(dir, { recursive: true, force: true });
  await new Promise((r) => busy.close(r));
});

const base = () => [
  'webhook',
  '--cluster-name',
  'test',
  '--tls-cert-file',
  tls.certFile,
  '--tls-key-file',
  tls.keyFile,
];

async function fails(args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = spawnCli(args, { KUBERNETES_SERVICE_HOST: '', ...env });
  const { code, ms } = await run.exited(60_000);
  return { code, ms, err: run.stderr().trim() };
}

// Generous limits: the suite shares a small machine; the point is that the process ends, not how fast.
describe('albatross webhook startup failures exit at once, naming the cause', { timeout: 120_000 }, () => {
  it('a missing certificate flag (a usage error: exit 2)', async () => {
    const r = await fails(['webhook', '--cluster-name', 'test', '--tls-key-file', tls.keyFile]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('missing required flag --tls-cert-file FILE');
  });

  it('an unreadable certificate', async () => {
    const r = await fails([...base().slice(0, 4), '/nonexistent/tls.crt', '--tls-key-file', tls.keyFile]);
    expect(r).toMatchObject({
      code: 1,
      err: 'albatross webhook: --tls-cert-file: /nonexistent/tls.crt: no such file',
    });
    const asDir = await fails([...base().slice(0, 5), '--tls-key-file', dir]);
    expect(asDir.err).toBe(`albatross webhook: --tls-key-file: ${dir}: not a file`);
  });

  it('a port in use', async () => {
    const r = await fails([...base(), '--manifests', 'examples', '--listen', `127.0.0.1:${busyPort}`]);
    expect(r).toMatchObject({
      code: 1,
      err: `albatross webhook: --listen: 127.0.0.1:${busyPort}: address already in use`,
    });
  });

  it('a kubeconfig that does not load, or whose API server cannot be listed', async () => {
    const garbage = await fails([...base(), '--kubeconfig', join(dir, 'garbage.kubeconfig')]);
    expect(garbage.code).toBe(1);
    expect(garbage.err).toMatch(/^albatross webhook: --kubeconfig: .*garbage\.kubeconfig: /);
    const dead = await fails([
      ...base(),
      '--kubeconfig',
      join(dir, 'dead.kubeconfig'),
      '--listen',
      '127.0.0.1:0',
    ]);
    expect(dead.code).toBe(1);
    expect(dead.err).toMatch(/albatross webhook: cannot list the cluster: informer \w+: .*ECONNREFUSED/);
  });

  it('no cluster to watch at all (outside a cluster, neither --kubeconfig nor --manifests)', async () => {
    const r = await fails(base());
    expect(r.code).toBe(1);
    expect(r.err).toContain('not running in a cluster (KUBERNETES_SERVICE_HOST is unset)');
  });

  it('a malformed --listen or --resync-seconds', async () => {
    expect((await fails([...base(), '--manifests', 'examples', '--listen', '9443'])).err).toContain(
      '--listen: 9443: expected HOST:PORT',
    );
    expect((await fails([...base(), '--manifests', 'examples', '--resync-seconds', 'soon'])).err).toContain(
      '--resync-seconds: soon: expected a whole number of seconds',
    );
  });
});

describe.each(['SIGTERM', 'SIGINT'] as const)('albatross webhook on %s', { timeout: 120_000 }, (signal) => {
  it('drains and exits 0', async () => {
    const run = spawnCli([...base(), '--manifests', 'examples', '--listen', '127.0.0.1:0']);
    await run.waitFor(/listening on https:\/\/127\.0\.0\.1:\d+/, 90_000);
    run.proc.kill(signal);
    const { code } = await run.exited(30_000);
    expect(code).toBe(0);
    expect(run.stderr()).toContain(`${signal}: stopping`);
  });
});
