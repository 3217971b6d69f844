/**
 * A real etcd + kube-apiserver on loopback, built by scripts/kube-assets.sh into the envtest-style folder
 * named by KUBEBUILDER_ASSETS (or the cache folder). Local mode (`albatross dev`) runs one so that
 * `kubectl apply` works as on a cluster; the e2e suites run theirs through test/support/kube.ts.
 * Both processes die with this one (parent-death signal), and the folder with the keys is removed at exit.
 *
 *   const kube = await startKube();
 *   await kube.kubectl(['apply', '-f', '-'], { input: yaml });
 *   const kc = kube.kubeConfig(); // @kubernetes/client-node
 *   await kube.stop();
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { diesWithParent, freePort } from './moto';
import { makeTempDir } from './temp';

/** Kept in step with scripts/kube-assets.sh. */
export const K8S_VERSION = 'v1.32.4';

export const KUBE_SKIP_MESSAGE =
  'kube-apiserver/etcd assets not found: run `bash scripts/kube-assets.sh` (builds them once into ' +
  '~/.cache/albatross/kubebuilder-assets) or set KUBEBUILDER_ASSETS to a folder holding both binaries';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  /** Written to kubectl's stdin (e.g. with `-f -`). */
  input?: string;
  timeoutMs?: number;
}

export interface Kube {
  /** `https://127.0.0.1:<port>` */
  server: string;
  kubeconfigPath: string;
  /** Bearer token of a member of system:masters. */
  token: string;
  /** PEM of the CA that signed the API server's serving certificate. */
  caPem: string;
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /**
   * A fresh @kubernetes/client-node config for the admin user. Imported lazily: client-node 2.0.1 pulls in
   * undici 8, which does not load on Node 20 (no zlib zstd), and suites that only need kubectl must not care.
   */
  kubeConfig(): Promise<KubeConfig>;
  stop(): Promise<void>;
}

export interface ServingCert {
  caPem: string;
  certPem: string;
  keyPem: string;
  certFile: string;
  keyFile: string;
  caFile: string;
}

const execFileP = promisify(execFile);

/** The asset folder, or undefined when either binary is missing. */
export function assetsDir(): string | undefined {
  const candidates = [
    process.env.KUBEBUILDER_ASSETS,
    join(
      process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
      'albatross',
      'kubebuilder-assets',
      K8S_VERSION,
    ),
  ];
  for (const dir of candidates) {
    if (dir && existsSync(join(dir, 'kube-apiserver')) && existsSync(join(dir, 'etcd'))) return dir;
  }
  return undefined;
}

/** Loopback processes must never go through a proxy (the API server calls webhooks on 127.0.0.1). */
function loopbackEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy'])
    delete env[k];
  env.NO_PROXY = env.no_proxy = '127.0.0.1,localhost';
  return env;
}

/**
 * A throwaway CA and a serving certificate for 127.0.0.1/localhost signed by it, written to `dir`.
 * Used for the API server and for webhooks the API server calls (their `caBundle`).
 */
export async function makeServingCert(dir: string, name = 'serving'): Promise<ServingCert> {
  const caKey = join(dir, `${name}-ca.key`);
  const caFile = join(dir, `${name}-ca.crt`);
  const keyFile = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const certFile = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await execFileP('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    caKey,
    '-out',
    caFile,
    '-days',
    '2',
    '-subj',
    `/CN=albatross-test-${name}-ca`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await execFileP('openssl', ['req', ...ec, '-keyout', keyFile, '-out', csr, '-subj', '/CN=127.0.0.1']);
  writeFileSync(
    ext,
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n',
  );
  await execFileP('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caFile,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    certFile,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  return {
    caPem: readFileSync(caFile, 'utf8'),
    certPem: readFileSync(certFile, 'utf8'),
    keyPem: readFileSync(keyFile, 'utf8'),
    certFile,
    keyFile,
    caFile,
  };
}

interface Proc {
  proc: ChildProcess;
  output(): string;
}

function launch(bin: string, args: string[]): Proc {
  const [command, ...rest] = diesWithParent([bin, ...args]);
  const proc = spawn(command, rest, { stdio: ['ignore', 'pipe', 'pipe'], env: loopbackEnv() });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-6000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  return { proc, output: () => tail };
}

async function kill(p: Proc, graceMs = 5000): Promise<void> {
  if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.proc.once('exit', () => r()));
  p.proc.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
  if (p.proc.exitCode === null && p.proc.signalCode === null) {
    p.proc.kill('SIGKILL');
    await exited;
  }
}

function httpsGet(url: string, ca: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { authorization: `Bearer ${token}` }, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function waitFor(
  what: string,
  p: Proc,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (p.proc.exitCode !== null) {
      throw new Error(`${what} exited with code ${p.proc.exitCode}:\n${p.output()}`);
    }
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms:\n${p.output()}`);
}

/** 3.5 has --unsafe-no-fsync; Debian's 3.4 fallback does not. */
async function etcdSupportsNoFsync(bin: string): Promise<boolean> {
  const { stdout } = await execFileP(bin, ['--version']);
  const m = /etcd Version: (\d+)\.(\d+)/.exec(stdout);
  return m !== null && (Number(m[1]) > 3 || (Number(m[1]) === 3 && Number(m[2]) >= 5));
}

export interface StartKubeOptions {
  /** Extra kube-apiserver flags (`--name=value`). */
  apiserverFlags?: string[];
  readyTimeoutMs?: number;
}

export async function startKube(opts: StartKubeOptions = {}): Promise<Kube> {
  const assets = assetsDir();
  if (!assets) throw new Error(KUBE_SKIP_MESSAGE);
  const tmp = makeTempDir('kube');
  const dir = tmp.path;
  const started: Proc[] = [];
  const cleanup = async () => {
    for (const p of started.reverse()) await kill(p);
    tmp.remove();
  };
  try {
    // etcd: one member, loopback only, no fsync (the data dir is thrown away).
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = launch(join(assets, 'etcd'), [
      `--data-dir=${join(dir, 'etcd')}`,
      '--name=default',
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      ...((await etcdSupportsNoFsync(join(assets, 'etcd'))) ? ['--unsafe-no-fsync=true'] : []),
      '--log-level=error',
    ]);
    started.push(etcd);
    await waitFor('etcd', etcd, async () => (await fetch(`${etcdUrl}/health`)).ok, 30_000);

    const serving = await makeServingCert(dir, 'apiserver');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const saKey = join(dir, 'sa.key');
    const saPub = join(dir, 'sa.pub');
    writeFileSync(saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(saPub, publicKey.export({ type: 'spki', format: 'pem' }));
    const token = randomBytes(24).toString('hex');
    const tokens = join(dir, 'tokens.csv');
    writeFileSync(tokens, `${token},albatross-test-admin,albatross-test-admin,"system:masters"\n`);

    const port = await freePort();
    const server = `https://127.0.0.1:${port}`;
    const apiserver = launch(join(assets, 'kube-apiserver'), [
      `--etcd-servers=${etcdUrl}`,
      `--etcd-prefix=/albatross-${port}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${join(dir, 'certs')}`,
      `--tls-cert-file=${serving.certFile}`,
      `--tls-private-key-file=${serving.keyFile}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      `--service-account-issuer=${server}`,
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      '--authorization-mode=RBAC',
      `--token-auth-file=${tokens}`,
      // Webhook admission is on by default; named here because the suites depend on it.
      '--enable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook',
      '--allow-privileged=true',
      '--profiling=false',
      '--v=0',
      ...(opts.apiserverFlags ?? []),
    ]);
    started.push(apiserver);
    await waitFor(
      'kube-apiserver',
      apiserver,
      async () => (await httpsGet(`${server}/readyz`, serving.caPem, token)).status === 200,
      opts.readyTimeoutMs ?? 120_000,
    );

    const kubeconfigPath = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfigPath,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'albatross-test',
            cluster: { server, 'certificate-authority-data': Buffer.from(serving.caPem).toString('base64') },
          },
        ],
        users: [{ name: 'admin', user: { token } }],
        contexts: [{ name: 'albatross-test', context: { cluster: 'albatross-test', user: 'admin' } }],
        'current-context': 'albatross-test',
      }),
    );

    return {
      server,
      kubeconfigPath,
      token,
      caPem: serving.caPem,
      kubectl: (args, kopts = {}) => runKubectl(kubeconfigPath, args, kopts),
      async kubeConfig() {
        const { KubeConfig } = await import('@kubernetes/client-node');
        const kc = new KubeConfig();
        kc.loadFromFile(kubeconfigPath);
        return kc;
      },
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

function runKubectl(kubeconfig: string, args: string[], opts: KubectlOptions): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // The discovery cache goes with the throwaway API server, not into ~/.kube/cache (one folder per port).
      env: { ...loopbackEnv(), KUBECACHEDIR: join(dirname(kubeconfig), 'kube-cache') },
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    proc.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    proc.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    proc.stdin.end(opts.input ?? '');
  });
}

/**
 * The project's two Ingress admission webhooks (as the Helm chart registers them), pointed at a loopback
 * URL with the CA that signed its certificate: local mode's API server then admits and mutates Ingresses
 * through the running webhook, as a cluster's does.
 */
export function localWebhookConfigurations(baseUrl: string, caPem: string): object[] {
  const hook = (name: string, path: string) => ({
    name,
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: 'Fail',
    timeoutSeconds: 10,
    clientConfig: { url: `${baseUrl}${path}`, caBundle: Buffer.from(caPem).toString('base64') },
    rules: [
      {
        apiGroups: ['networking.k8s.io'],
        apiVersions: ['v1'],
        operations: ['CREATE', 'UPDATE'],
        resources: ['ingresses'],
        scope: 'Namespaced',
      },
    ],
  });
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'albatross-local' },
      webhooks: [{ ...hook('mingress.albatross.dev', '/mutate'), reinvocationPolicy: 'Never' }],
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'albatross-local' },
      webhooks: [hook('vingress.albatross.dev', '/validate')],
    },
  ];
}
