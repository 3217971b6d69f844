/**
 * The container image's only code: `dist/webhook/webhook.mjs` (infra/bundle.ts), copied alone into a
 * folder outside the repo — no node_modules to fall back on — and started as the image starts it. It must
 * serve HTTPS health and admission, leave its own folder untouched (the image's root filesystem is
 * read-only), and exit on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWebhook } from '../../infra/bundle';
import { makeServingCert, type ServingCert } from '../support/kube';
import { freePort } from '../support/moto';

let dir: string;
let app: string;
let cert: ServingCert;
let proc: ChildProcess | undefined;
let output = '';

function call(url: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca: cert.caPem,
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        timeout: 5000,
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          data += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'albatross-image-'));
  app = join(dir, 'app');
  for (const d of ['certs', 'manifests']) mkdirSync(join(dir, d));
  // The cluster the webhook sees: just our IngressClass, so that class `alb` Ingresses are ours.
  writeFileSync(
    join(dir, 'manifests', 'ingressclass.yaml'),
    'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: { name: alb }\nspec: { controller: ingress.k8s.aws/alb }\n',
  );
  [, cert] = await Promise.all([
    bundleWebhook({ outfile: join(app, 'webhook.mjs') }),
    makeServingCert(join(dir, 'certs'), 'webhook'),
  ]);
}, 60_000);

afterAll(async () => {
  if (proc && proc.exitCode === null && proc.signalCode === null) {
    const gone = new Promise((r) => proc?.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('the webhook bundle, as the image runs it', () => {
  it('serves /healthz and admission over HTTPS from a folder holding nothing but itself, and exits on SIGTERM', async () => {
    const port = await freePort();
    proc = spawn(
      process.execPath,
      [
        'webhook.mjs',
        '--listen',
        `127.0.0.1:${port}`,
        '--tls-cert-file',
        cert.certFile,
        '--tls-key-file',
        cert.keyFile,
        '--cluster-name',
        'image-test',
        '--region',
        'us-east-1',
        '--manifests',
        join(dir, 'manifests'),
      ],
      // Only what a container has: no repo, no node_modules, no NODE_PATH.
      { cwd: app, env: { PATH: process.env.PATH, HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const started = proc;
    for (const s of [started.stdout, started.stderr]) s?.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      started.once('exit', (code, signal) => resolve({ code, signal })),
    );

    const url = `https://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    let health = { status: 0, body: '' };
    while (Date.now() < deadline && started.exitCode === null) {
      health = await call(`${url}/healthz`).catch(() => health);
      if (health.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(health.status, output).toBe(200);

    // Admission works too: zod, the annotation parsers and fastify all made it into the bundle.
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'u1',
        operation: 'CREATE',
        namespace: 'shop',
        object: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: {
            name: 'x',
            namespace: 'shop',
            annotations: { 'alb.ingress.kubernetes.io/scheme': 'public' },
          },
          spec: { ingressClassName: 'alb' },
        },
      },
    };
    const denied = await call(`${url}/validate`, JSON.stringify(review));
    expect(denied.status).toBe(200);
    expect(JSON.parse(denied.body).response, denied.body).toMatchObject({
      uid: 'u1',
      allowed: false,
      status: { message: expect.stringContaining('alb.ingress.kubernetes.io/scheme: public') },
    });

    started.kill('SIGTERM');
    const end = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000)),
    ]);
    expect(end, output).toEqual({ code: 0, signal: null });
    expect(output).not.toMatch(/NodeVersionSupportWarning/);
    // Nothing written next to the code (the image's root filesystem is read-only).
    expect(readdirSync(app)).toEqual(['webhook.mjs']);
  });
});

describe('the Dockerfile', () => {
  const lines = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const stages = lines.reduce<string[][]>((acc, l) => {
    if (l.startsWith('FROM ')) acc.push([]);
    acc.at(-1)?.push(l);
    return acc;
  }, []);
  const runtime = stages.at(-1) ?? [];

  it('builds the bundle in a Node 20 stage with the locked dependencies', () => {
    expect(stages).toHaveLength(2);
    expect(stages[0]?.[0]).toMatch(/^FROM node:20 AS build$/);
    expect(stages[0]).toContain('RUN npm ci --no-audit --no-fund');
    expect(stages[0]).toContain('RUN npm run bundle');
  });

  it('ships only the bundle, as the numeric non-root user the chart runs as, started as the chart expects', () => {
    expect(runtime[0]).toBe('FROM node:20-slim');
    const copies = runtime.filter((l) => l.startsWith('COPY'));
    expect(copies).toEqual(['COPY --from=build /src/dist/webhook/webhook.mjs /app/webhook.mjs']);
    const user = runtime.find((l) => l.startsWith('USER '))?.slice(5);
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    const chart = readFileSync(
      new URL('../../infra/helm/albatross/templates/deployment.yaml', import.meta.url),
      'utf8',
    );
    expect(chart).toContain(`runAsUser: ${user?.split(':')[0]}`);
    expect(runtime).toContain('ENTRYPOINT ["node", "/app/webhook.mjs"]');
    // The read-only root filesystem leaves /tmp (an emptyDir) as the only writable place.
    expect(runtime.find((l) => l.startsWith('ENV '))).toContain('HOME=/tmp');
  });
});
