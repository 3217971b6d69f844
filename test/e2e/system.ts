/**
 * The product, in-process, for the e2e suite: the webhook (admission + informers + forwarder + results
 * consumer + Lease) running as the project's ServiceAccount, and the reconciler handler fed from the moto
 * FIFO queue by the in-process event source, with a fault switch on its ELBv2 client.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsClients, createAwsClients } from '../../aws/clients';
import { selfSignedCertificate } from '../../cli/dev/certs';
import { createHandler } from '../../lambda/handler';
import { type Pump, startPump } from '../../lambda/local-event-source';
import { sqsResultSink } from '../../lambda/results';
import { startWebhook, type Webhook } from '../../webhook/index';
import type { Kube } from '../support/kube';
import { TEST_REGION } from '../support/moto';
import { type FaultSwitch, faultSwitch } from './faults';

export type { FaultSwitch };

export interface System {
  webhookUrl: string;
  /** CA (here: the self-signed serving certificate) the API server trusts for the webhook. */
  caPem: string;
  webhook: Webhook;
  pump: Pump;
  /** The reconciler's clients (the fault switch is on their ELBv2 client). */
  clients: AwsClients;
  stop(): Promise<void>;
}

export interface SystemOptions {
  kube: Kube;
  serviceAccountToken: string;
  awsEndpoint: string;
  clusterName: string;
  queueUrl: string;
  resultsQueueUrl: string;
  dir: string;
  /** The forwarder's quiet period (default here 300 ms; the product's default is 1000 ms). */
  debounceMs?: number;
  /** Pod readiness gates on, with this many ms between target-health rounds. */
  readinessGates?: { intervalMs: number };
}

/** A kubeconfig that authenticates with the ServiceAccount's token, so the Helm chart's RBAC is what applies. */
function serviceAccountKubeconfig(o: SystemOptions): string {
  const path = join(o.dir, 'webhook.kubeconfig');
  const caFile = join(o.dir, 'apiserver-ca.pem');
  writeFileSync(caFile, o.kube.caPem);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'e2e', cluster: { server: o.kube.server, 'certificate-authority': caFile } }],
      users: [{ name: 'albatross', user: { token: o.serviceAccountToken } }],
      contexts: [
        { name: 'e2e', context: { cluster: 'e2e', user: 'albatross', namespace: 'albatross-system' } },
      ],
      'current-context': 'e2e',
    }),
  );
  return path;
}

export async function startSystem(o: SystemOptions): Promise<{ system: System; faults: FaultSwitch }> {
  process.env.AWS_ENDPOINT_URL = o.awsEndpoint;
  process.env.AWS_REGION = TEST_REGION;
  process.env.AWS_ACCESS_KEY_ID ??= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const tls = await selfSignedCertificate('127.0.0.1', ['localhost']);
  const webhook = await startWebhook({
    host: '127.0.0.1',
    port: 0,
    tlsCertFile: tls.certFile,
    tlsKeyFile: tls.keyFile,
    clusterName: o.clusterName,
    source: { kind: 'kubeconfig', path: serviceAccountKubeconfig(o) },
    queueUrl: o.queueUrl,
    resultsQueueUrl: o.resultsQueueUrl,
    region: TEST_REGION,
    resyncSeconds: 0,
    debounceMs: o.debounceMs ?? 300,
    resultsWaitSeconds: 1,
    leaseNamespace: 'albatross-system',
    log: (line) => process.stderr.write(`[webhook] ${line}\n`),
    ...(o.readinessGates
      ? { podReadinessGates: true, readinessIntervalMs: o.readinessGates.intervalMs }
      : {}),
  });

  const faults = faultSwitch();
  const clients = createAwsClients({ endpoint: o.awsEndpoint, region: TEST_REGION, maxAttempts: 2 });
  faults.attach(clients.elbv2 as never);
  const sqs = new SQSClient({ endpoint: o.awsEndpoint, region: TEST_REGION });
  const handler = createHandler({
    clients,
    cluster: o.clusterName,
    results: sqsResultSink(sqs, o.resultsQueueUrl),
  });
  const pump = await startPump(sqs, o.queueUrl, handler);

  return {
    faults,
    system: {
      webhookUrl: webhook.url,
      caPem: tls.cert,
      webhook,
      pump,
      clients,
      async stop() {
        await pump.stop();
        await webhook.close();
      },
    },
  };
}
