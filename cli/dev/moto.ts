/**
 * moto_server on a free loopback port (see ../shared/TESTING.md). One process serves every AWS service.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Moto {
  endpoint: string;
  /** Wipes every account's state (`POST /moto-api/reset`). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export const TEST_REGION = 'us-east-1';
export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** Client config for the real SDK v3 clients pointed at moto. */
export function awsClientConfig(endpoint: string, extra: { maxAttempts?: number } = {}) {
  return { endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, ...extra };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function waitReady(endpoint: string, proc: ChildProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`moto_server exited with code ${proc.exitCode}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not become ready at ${endpoint} within ${timeoutMs} ms`);
}

/** Lazy imports make each service's first call slow; pay that once, here. */
async function warmUp(endpoint: string): Promise<void> {
  const body = 'Action=DescribeLoadBalancers&Version=2015-12-01';
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    authorization:
      'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/elasticloadbalancing/aws4_request, SignedHeaders=host, Signature=x',
  };
  await fetch(endpoint, { method: 'POST', headers, body }).catch(() => undefined);
  await fetch(endpoint, {
    method: 'POST',
    headers: { ...headers, authorization: headers.authorization.replace('elasticloadbalancing', 'ec2') },
    body: 'Action=DescribeVpcs&Version=2016-11-15',
  }).catch(() => undefined);
}

/**
 * The command line that starts `argv` so that it dies with this process, however this process ends (even
 * SIGKILL): on Linux, util-linux `setpriv --pdeathsig` asks the kernel to send SIGTERM to the child when
 * its parent dies (it survives the exec chain of pyenv shims). Elsewhere `argv` as it is.
 */
export function diesWithParent(argv: [string, ...string[]]): [string, ...string[]] {
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
  return process.platform === 'linux' && setpriv ? [setpriv, '--pdeathsig', 'TERM', ...argv] : argv;
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const [bin, ...args] = diesWithParent([
    process.env.MOTO_SERVER ?? 'moto_server',
    '-H',
    '127.0.0.1',
    '-p',
    String(port),
  ]);
  const proc = spawn(bin, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'false' },
  });
  const notFound =
    'moto_server is not on the PATH: install it with pip install "moto[server]" (or set AWS_ENDPOINT_URL to an emulator you run)';
  const spawnError = new Promise<never>((_, reject) =>
    proc.once('error', (err) =>
      reject(
        new Error(
          (err as NodeJS.ErrnoException).code === 'ENOENT'
            ? notFound
            : `moto_server could not start: ${err.message}`,
        ),
      ),
    ),
  );
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await Promise.race([waitReady(endpoint, proc), spawnError]);
  } catch (err) {
    proc.kill('SIGKILL');
    // 127: setpriv could not find the program.
    if (proc.exitCode === 127) throw new Error(notFound);
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  // Where there is no parent-death signal: at least every exit the runtime sees stops it.
  const killOnExit = () => proc.kill('SIGTERM');
  process.once('exit', killOnExit);
  proc.once('exit', () => process.off('exit', killOnExit));
  await warmUp(endpoint);
  return {
    endpoint,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
    },
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}
