/**
 * "Recovered": a stack whose last result failed is sent again on its next change — even with the digest
 * that failed — and the Ingresses get a Normal SuccessfullyReconciled Event after the Warning. The whole
 * loop runs for real: webhook (manifests as cluster state) → FIFO queue in moto → the reconciler Lambda's
 * handler → results queue → the results consumer → a recording writer.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { type AwsClients, createAwsClients } from '../../aws/clients';
import { EXAMPLE_CERTIFICATE_ARN } from '../../cli/commands/dev';
import { selfSignedCertificate } from '../../cli/dev/certs';
import { type SeededWorld, seedLocalWorld } from '../../cli/dev/seed';
import { createHandler } from '../../lambda/handler';
import { type Pump, startPump } from '../../lambda/local-event-source';
import { sqsResultSink } from '../../lambda/results';
import { decodeSnapshotBody } from '../../shared/codec';
import type { StackSnapshot } from '../../shared/messages';
import type { ClusterWriter, IngressEvent } from '../../webhook/cluster-writer';
import { startWebhook, type Webhook } from '../../webhook/index';
import { TEST_REGION } from '../support/moto';

const endpoint = inject('motoEndpoint');
const CLUSTER = 'recover';
// The reconciler's EMF lines are for CloudWatch, not for the test output.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

class RecordingWriter implements ClusterWriter {
  events: IngressEvent[] = [];
  async setStatus() {}
  async event(e: IngressEvent) {
    this.events.push(e);
  }
  async removeFinalizer() {}
  /** `Warning FailedDeployModel`, … for one Ingress, oldest first. */
  of(ns: string, name: string) {
    return this.events
      .filter((e) => e.member.namespace === ns && e.member.name === name)
      .map((e) => `${e.type} ${e.reason}: ${e.message}`);
  }
}

/** IAM says no to CreateLoadBalancer while `denied` is true: an AWS-side problem an operator fixes. */
function denyCreateLoadBalancer(clients: AwsClients) {
  const state = { denied: true };
  clients.elbv2.middlewareStack.add(
    (next, context) => async (args) => {
      if (state.denied && (context as { commandName?: string }).commandName === 'CreateLoadBalancerCommand') {
        throw Object.assign(
          new Error('User is not authorized to perform: elasticloadbalancing:CreateLoadBalancer'),
          { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } },
        );
      }
      return next(args);
    },
    { step: 'deserialize', name: 'deny-create-lb', priority: 'high' },
  );
  return state;
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let dir = '';
let world: SeededWorld;
let webhook: Webhook | undefined;
let pump: Pump | undefined;
let writer: RecordingWriter;
let clients: AwsClients;
const certDirs: string[] = [];

beforeEach(async () => {
  await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  world = await seedLocalWorld({ endpoint, region: TEST_REGION }, CLUSTER);
  dir = await mkdtemp(join(tmpdir(), 'albatross-recovered-'));
  await cp('examples/shop', dir, { recursive: true });
  writer = new RecordingWriter();
  clients = createAwsClients({ endpoint, region: TEST_REGION, maxAttempts: 1 });
});

afterEach(async () => {
  await pump?.stop();
  await webhook?.close();
  pump = undefined;
  webhook = undefined;
  for (const d of [dir, ...certDirs.splice(0)]) await rm(d, { recursive: true, force: true });
});

async function start() {
  const tls = await selfSignedCertificate('127.0.0.1', ['localhost']);
  process.env.AWS_ENDPOINT_URL = endpoint;
  const swapCertificate = (o: KubernetesObject): KubernetesObject =>
    JSON.parse(JSON.stringify(o).replaceAll(EXAMPLE_CERTIFICATE_ARN, world.certificateArn));
  const sqs = new SQSClient({ endpoint, region: TEST_REGION });
  const handler = createHandler({
    clients,
    cluster: CLUSTER,
    vpcId: world.vpcId,
    results: sqsResultSink(sqs, world.resultsQueueUrl),
  });
  // A failed message is dropped here as if it had already given up into the DLQ: the recovery must come
  // from the webhook re-sending, not from SQS redelivering the same message.
  pump = await startPump(sqs, world.queueUrl, async (event) => {
    await handler(event);
    return { batchItemFailures: [] };
  });
  webhook = await startWebhook({
    host: '127.0.0.1',
    port: 0,
    tlsCertFile: tls.certFile,
    tlsKeyFile: tls.keyFile,
    clusterName: CLUSTER,
    region: TEST_REGION,
    source: { kind: 'manifests', dir, options: { debounceMs: 20, transform: swapCertificate } },
    queueUrl: world.queueUrl,
    resultsQueueUrl: world.resultsQueueUrl,
    resultsWaitSeconds: 1,
    resyncSeconds: 0,
    debounceMs: 50,
    writer,
    log: () => undefined,
  });
  certDirs.push(dirname(tls.certFile));
}

const sentSnapshots = (): StackSnapshot[] =>
  (pump?.received ?? []).flatMap((body) => {
    const d = decodeSnapshotBody(body);
    return d.ok && d.snapshot.stackId === 'shop' ? [d.snapshot] : [];
  });

/** The queue is empty, the reconciler idle, and no Event came for a while: every result is applied. */
async function settle(): Promise<void> {
  await pump!.idle(500);
  let seen = -1;
  while (seen !== writer.events.length) {
    seen = writer.events.length;
    await new Promise((r) => setTimeout(r, 1500));
  }
}

const lastEvent = (ns: string, name: string) => writer.of(ns, name).at(-1);

describe('a failed stack recovers', () => {
  it('after an AWS-side fix, any edit re-sends the failed digest and the Ingress gets a Normal Event', async () => {
    const deny = denyCreateLoadBalancer(clients);
    await start();
    await until('the Warning', () =>
      lastEvent('shop', 'storefront')?.startsWith('Warning FailedDeployModel') ? true : undefined,
    );
    expect(lastEvent('shop', 'storefront')).toMatch(/AccessDenied: .*CreateLoadBalancer/);
    await settle();
    expect(lastEvent('shop', 'storefront')).toMatch(/^Warning FailedDeployModel/);
    const failed = sentSnapshots();
    // Start-up may send twice (the first change, then the verified resync); one digest either way.
    expect(new Set(failed.map((s) => s.digest)).size).toBe(1);

    // The operator fixes IAM; then someone edits something that does not change the stack (a label).
    deny.denied = false;
    const file = join(dir, '10-storefront.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      text.replace('app.kubernetes.io/name: storefront', 'app.kubernetes.io/name: shopfront'),
    );

    const recovered = await until('the Normal Event', () =>
      lastEvent('shop', 'storefront')?.startsWith('Normal SuccessfullyReconciled')
        ? lastEvent('shop', 'storefront')
        : undefined,
    );
    expect(recovered).toBe(
      'Normal SuccessfullyReconciled: Successfully reconciled stack shop (recovered from the earlier failure)',
    );
    const sent = sentSnapshots();
    expect(sent).toHaveLength(failed.length + 1);
    // The same desired state, sent again and verified rather than trusted to the digest fast path.
    const again = sent.at(-1)!;
    expect(again.digest).toBe(failed[0]!.digest);
    expect(again.verify).toBe(true);
    // Every member of the group hears it, not only the edited one.
    expect(lastEvent('payments', 'checkout')).toMatch(/^Normal SuccessfullyReconciled/);
  });

  it('a broken annotation reverted to the last good state is sent again and ends with a Normal Event', async () => {
    await start();
    await until('the first success', () =>
      lastEvent('shop', 'storefront')?.startsWith('Normal SuccessfullyReconciled') ? true : undefined,
    );
    await settle();
    const good = sentSnapshots();

    const file = join(dir, '10-storefront.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      text.replace(
        'alb.ingress.kubernetes.io/scheme: internet-facing',
        'alb.ingress.kubernetes.io/scheme: public',
      ),
    );
    // Not every YAML shape allows the replace above: fail loudly rather than test nothing.
    expect(await readFile(file, 'utf8')).not.toBe(text);
    await until('the model Warning', () =>
      lastEvent('shop', 'storefront')?.startsWith('Warning FailedBuildModel') ? true : undefined,
    );
    expect(lastEvent('shop', 'storefront')).toContain('alb.ingress.kubernetes.io/scheme: public');

    await writeFile(file, text);
    await until('the Normal Event', () =>
      lastEvent('shop', 'storefront')?.startsWith('Normal SuccessfullyReconciled') ? true : undefined,
    );
    const sent = sentSnapshots();
    expect(sent).toHaveLength(good.length + 1);
    expect(sent.at(-1)!.digest).toBe(good[0]!.digest);
  });

  it('a stack that is not failing is still not sent again for an edit that leaves it unchanged', async () => {
    await start();
    await until('the first success', () =>
      lastEvent('shop', 'storefront')?.startsWith('Normal SuccessfullyReconciled') ? true : undefined,
    );
    await settle();
    const before = sentSnapshots().length;
    const file = join(dir, '10-storefront.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      text.replace('app.kubernetes.io/name: storefront', 'app.kubernetes.io/name: shopfront'),
    );
    await new Promise((r) => setTimeout(r, 1000));
    await webhook!.forwarder!.flush();
    await pump!.idle(500);
    expect(sentSnapshots()).toHaveLength(before);
  });
});
