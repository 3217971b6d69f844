/**
 * The webhook for real: HTTPS with a generated certificate (reloaded from disk), a manifests directory as
 * cluster state, snapshots sent to a real FIFO queue in moto, results written back through a recording
 * writer.
 */
import { copyFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { selfSignedCertificate } from '../../cli/dev/certs';
import { decodeSnapshotBody } from '../../shared/codec';
import { API_VERSION } from '../../shared/messages';
import type { ClusterWriter, IngressEvent } from '../../webhook/cluster-writer';
import { startWebhook, type Webhook } from '../../webhook/index';

const endpoint = inject('motoEndpoint');
let sqs: SQSClient;
let queueUrl = '';
let resultsQueueUrl = '';
let dir = '';
let webhook: Webhook | undefined;
/** Every temporary folder a test made, removed after it. */
const tempDirs: string[] = [];

class RecordingWriter implements ClusterWriter {
  statuses: string[] = [];
  events: IngressEvent[] = [];
  removed: string[] = [];
  async setStatus(m: { namespace: string; name: string }, hostname: string) {
    this.statuses.push(`${m.namespace}/${m.name}=${hostname}`);
  }
  async event(e: IngressEvent) {
    this.events.push(e);
  }
  async removeFinalizer(m: { namespace: string; name: string }, f: string) {
    this.removed.push(`${m.namespace}/${m.name}:${f}`);
  }
}

/** POST over HTTPS trusting only `ca`; returns status and body. */
function post(
  url: string,
  body: string,
  ca: string,
): Promise<{ status: number; body: string; cert: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', ca, headers: { 'content-type': 'application/json' }, agent: false },
      (res) => {
        let data = '';
        res.on('data', (c) => {
          data += c;
        });
        res.on('end', () => {
          const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
          resolve({ status: res.statusCode ?? 0, body: data, cert: peer.fingerprint256 });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const review = (object: unknown) =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'u', operation: 'CREATE', namespace: 'shop', object },
  });

beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  sqs = new SQSClient({ endpoint, region: 'us-east-1' });
});

beforeEach(async () => {
  await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  queueUrl = (
    await sqs.send(new CreateQueueCommand({ QueueName: 'snapshots.fifo', Attributes: { FifoQueue: 'true' } }))
  ).QueueUrl!;
  resultsQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'results' }))).QueueUrl!;
  dir = await mkdtemp(join(tmpdir(), 'albatross-wh-'));
  tempDirs.push(dir);
  await cp('examples/shop', join(dir, 'manifests'), { recursive: true });
});

afterEach(async () => {
  await webhook?.close();
  webhook = undefined;
  for (const d of tempDirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function start(writer: ClusterWriter = new RecordingWriter()) {
  const pem = await selfSignedCertificate('127.0.0.1', ['localhost']);
  const certDir = await mkdtemp(join(tmpdir(), 'albatross-tls-'));
  tempDirs.push(certDir);
  await copyFile(pem.certFile, join(certDir, 'tls.crt'));
  await copyFile(pem.keyFile, join(certDir, 'tls.key'));
  // Its own folder (with the key) is not needed any more: vitest workers may end without exit hooks.
  pem.remove();
  process.env.AWS_ENDPOINT_URL = endpoint;
  webhook = await startWebhook({
    host: '127.0.0.1',
    port: 0,
    tlsCertFile: join(certDir, 'tls.crt'),
    tlsKeyFile: join(certDir, 'tls.key'),
    clusterName: 'dev',
    source: { kind: 'manifests', dir: join(dir, 'manifests'), options: { debounceMs: 20 } },
    queueUrl,
    resultsQueueUrl,
    region: 'us-east-1',
    resyncSeconds: 0,
    debounceMs: 50,
    resultsWaitSeconds: 1,
    writer,
    log: () => undefined,
  });
  return { pem, certDir, webhook };
}

async function receiveAll() {
  const out: { group?: string; body: string }[] = [];
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
        VisibilityTimeout: 60,
      }),
    );
    if (!r.Messages?.length) return out;
    for (const m of r.Messages) {
      out.push({ group: m.Attributes?.MessageGroupId, body: m.Body ?? '' });
      // FIFO holds back a group while a message of it is in flight: consume as the reconciler would.
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}

describe('admission over HTTPS', () => {
  it('answers AdmissionReviews, 400 for malformed or foreign bodies, 413 when oversized', async () => {
    const { pem, webhook: w } = await start();
    const bad = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'x',
        namespace: 'shop',
        annotations: { 'alb.ingress.kubernetes.io/scheme': 'public' },
      },
      spec: { ingressClassName: 'alb' },
    };
    const denied = await post(`${w.url}/validate`, review(bad), pem.cert);
    expect(denied.status).toBe(200);
    expect(JSON.parse(denied.body).response).toMatchObject({
      allowed: false,
      status: {
        message:
          'shop/x: alb.ingress.kubernetes.io/scheme: public: expected one of internal, internet-facing',
      },
    });
    expect((await post(`${w.url}/validate`, '{not json', pem.cert)).status).toBe(400);
    const notReview = await post(`${w.url}/mutate`, JSON.stringify({ kind: 'Pod' }), pem.cert);
    expect(notReview.status).toBe(400);
    expect(JSON.parse(notReview.body).error).toMatch(/not an admission\.k8s\.io\/v1 AdmissionReview/);
    expect(
      (
        await post(
          `${w.url}/validate`,
          review({ kind: 'Ingress', pad: 'x'.repeat(4 * 1024 * 1024) }),
          pem.cert,
        )
      ).status,
    ).toBe(413);
  });

  it('reloads the certificate when its files change, without a restart', async () => {
    const { pem, certDir, webhook: w } = await start();
    const first = await post(`${w.url}/validate`, review(null), pem.cert);
    const next = await selfSignedCertificate('127.0.0.1', ['localhost']);
    await writeFile(join(certDir, 'tls.key'), await readFile(next.keyFile));
    await writeFile(join(certDir, 'tls.crt'), await readFile(next.certFile));
    next.remove();
    let second = first;
    for (let i = 0; i < 50 && second.cert === first.cert; i++) {
      await new Promise((r) => setTimeout(r, 100));
      second = await post(`${w.url}/validate`, review(null), next.cert).catch(() => first);
    }
    expect(second.cert).not.toBe(first.cert);
    expect(second.status).toBe(200);
  });
});

describe('forwarding', () => {
  it('sends each stack once at start, with the FIFO group and a body the codec decodes', async () => {
    await start();
    const msgs = await receiveAll();
    expect(msgs.map((m) => m.group)).toEqual(['dev:shop']);
    const decoded = decodeSnapshotBody(msgs[0]!.body);
    expect(decoded.ok).toBe(true);
    if (decoded.ok) {
      expect(decoded.snapshot.stackId).toBe('shop');
      expect(decoded.snapshot.members.map((m) => `${m.namespace}/${m.name}`)).toEqual([
        'payments/checkout',
        'shop/api',
        'shop/storefront',
      ]);
    }
  });

  it('coalesces a burst of edits into one snapshot, and never sends an unchanged digest twice', async () => {
    const { webhook: w } = await start();
    await receiveAll();
    const file = join(dir, 'manifests', '10-storefront.yaml');
    const text = await readFile(file, 'utf8');
    for (let i = 0; i < 5; i++) await writeFile(file, text.replace('/static', `/static${i}`));
    await new Promise((r) => setTimeout(r, 1500));
    const after = await receiveAll();
    expect(after).toHaveLength(1);
    const decoded = decodeSnapshotBody(after[0]!.body);
    expect(decoded.ok && JSON.stringify(decoded.snapshot.stack)).toContain('/static4');
    await w.forwarder!.flush();
    w.forwarder!.markDirty(['shop']);
    await w.forwarder!.flush();
    expect(await receiveAll()).toHaveLength(0);
  });

  it('a model that does not build is a FailedBuildModel Event on every member, and nothing is sent', async () => {
    const file = join(dir, 'manifests', '20-api.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      text.replace(
        '    alb.ingress.kubernetes.io/healthcheck-path: /v1/health',
        '    alb.ingress.kubernetes.io/healthcheck-path: /v1/health\n    alb.ingress.kubernetes.io/healthcheck-timeout-seconds: "20"',
      ),
    );
    const writer = new RecordingWriter();
    await start(writer);
    expect(await receiveAll()).toHaveLength(0);
    // Each build of the stack (the first pass, and any rebuild a change triggers) tells every member.
    expect(new Set(writer.events.map((e) => `${e.member.name} ${e.reason} ${e.type}`))).toEqual(
      new Set([
        'api FailedBuildModel Warning',
        'checkout FailedBuildModel Warning',
        'storefront FailedBuildModel Warning',
      ]),
    );
    expect(writer.events[0]!.message).toBe(
      'shop/api: alb.ingress.kubernetes.io/healthcheck-timeout-seconds: 20: expected less than healthcheck-interval-seconds (15, the default)',
    );
  });
});

describe('results', () => {
  it('writes status and Events, and removes finalizers of inactive members after success', async () => {
    const writer = new RecordingWriter();
    const { webhook: w } = await start(writer);
    const member = { namespace: 'shop', name: 'api', uid: 'u1', resourceVersion: '1' };
    const result = (outcome: 'Succeeded' | 'Failed', extra: object) => ({
      apiVersion: API_VERSION,
      kind: 'ReconcileResult',
      cluster: 'dev',
      stackId: 'shop',
      seq: 1,
      digest: 'd',
      outcome,
      listenerPorts: [{ port: 80, protocol: 'HTTP' }],
      members: [member],
      durationMs: 5,
      apiCalls: { read: 1, write: 1 },
      ...extra,
    });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: resultsQueueUrl,
        MessageBody: JSON.stringify(
          result('Succeeded', { dnsName: 'lb.example', inactiveMembers: [{ ...member, name: 'old' }] }),
        ),
      }),
    );
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: resultsQueueUrl,
        MessageBody: JSON.stringify(
          result('Failed', {
            inactiveMembers: [],
            error: { reason: 'NotOwned', message: 'not ours', awsCode: 'X', resource: 'arn:lb' },
          }),
        ),
      }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: resultsQueueUrl, MessageBody: '{"garbage":true}' }));
    await w.results!.stop();
    let handled = 0;
    for (let i = 0; i < 5 && handled < 3; i++) handled += await w.results!.pollOnce(1);
    expect(writer.statuses).toEqual(['shop/api=lb.example']);
    expect(writer.events.map((e) => [e.reason, e.type])).toEqual([
      ['SuccessfullyReconciled', 'Normal'],
      ['FailedDeployModel', 'Warning'],
    ]);
    expect(writer.events[1]!.message).toBe('NotOwned: not ours (AWS X) [arn:lb]');
    expect(writer.removed).toEqual(['shop/old:group.ingress.k8s.aws/shop']);
  });
});
