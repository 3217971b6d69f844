/**
 * `albatross dev` (= `npm start`): the whole product on one machine. An AWS emulator (moto_server, or
 * AWS_ENDPOINT_URL), seeded with tagged subnets, instances, an ACM certificate and the queues; the
 * webhook on a generated certificate with a manifests directory as the cluster; the reconciler Lambda
 * fed from the queue in-process; and the resulting ALBs printed as a tree. Editing a manifest reconciles
 * again.
 */
import { existsSync } from 'node:fs';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { KubernetesObject } from '@kubernetes/client-node';
import { createAwsClients } from '../../aws/clients';
import { createHandler } from '../../lambda/handler';
import { startPump } from '../../lambda/local-event-source';
import { sqsResultSink } from '../../lambda/results';
import { LogClusterWriter } from '../../webhook/cluster-writer';
import { startWebhook } from '../../webhook/index';
import { parseCommandArgs } from '../args';
import { renderAwsTree } from '../aws-tree';
import { selfSignedCertificate } from '../dev/certs';
import { type Moto, startMoto } from '../dev/moto';
import { seedLocalWorld } from '../dev/seed';
import type { Command } from '../main';

/** The example manifests name this ARN; local mode swaps in the certificate it imported into ACM. */
export const EXAMPLE_CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/albatross-example';

const usage = 'albatross dev [--manifests DIR] [--cluster-name NAME] [--once]';
const step = (s: string) => process.stderr.write(`• ${s}\n`);

export const command: Command = {
  summary: 'local mode: AWS emulator + webhook + reconciler on the example app (what npm start runs)',
  usage,
  async run(argv) {
    const { values, common } = parseCommandArgs(argv, {
      manifests: { type: 'string', default: 'examples' },
      once: { type: 'boolean', default: false },
    });
    const dir = values.manifests as string;
    if (!existsSync(dir)) throw new Error(`--manifests: ${dir}: no such directory`);
    const cluster = common.clusterName ?? 'albatross-dev';
    const region = common.region ?? 'us-east-1';
    // The Lambda's JSON logs and EMF lines are for CloudWatch; here the tree says what happened.
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    process.env.AWS_ACCESS_KEY_ID ??= 'testing';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';

    let moto: Moto | undefined;
    let endpoint = process.env.AWS_ENDPOINT_URL;
    if (!endpoint) {
      step('starting the AWS emulator (moto_server) on 127.0.0.1');
      moto = await startMoto();
      endpoint = moto.endpoint;
      process.env.AWS_ENDPOINT_URL = endpoint;
    }
    step(`AWS endpoint ${endpoint}`);
    const world = await seedLocalWorld({ endpoint, region }, cluster);
    step(
      `seeded VPC ${world.vpcId}: ${world.subnetIds.length} tagged subnets, ${world.instanceIds.length} instances, ACM certificate, queues`,
    );

    const tls = await selfSignedCertificate('127.0.0.1', ['localhost']);
    const log = (line: string) => process.stderr.write(`  ${line}\n`);
    const swapCertificate = (o: KubernetesObject): KubernetesObject =>
      JSON.parse(JSON.stringify(o).replaceAll(EXAMPLE_CERTIFICATE_ARN, world.certificateArn));
    const webhook = await startWebhook({
      host: '127.0.0.1',
      port: 0,
      tlsCertFile: tls.certFile,
      tlsKeyFile: tls.keyFile,
      clusterName: cluster,
      region,
      source: { kind: 'manifests', dir, options: { transform: swapCertificate } },
      queueUrl: world.queueUrl,
      resultsQueueUrl: world.resultsQueueUrl,
      resultsWaitSeconds: 1,
      writer: new LogClusterWriter(log),
      log,
    });
    step(`webhook on ${webhook.url} (POST /validate, /mutate; GET /metrics), watching ${dir}/`);

    const clients = createAwsClients({ endpoint, region });
    const sqs = new SQSClient({ endpoint, region });
    const handler = createHandler({
      clients,
      cluster,
      vpcId: world.vpcId,
      results: sqsResultSink(sqs, world.resultsQueueUrl),
    });
    let printing: Promise<unknown> = Promise.resolve();
    const pump = await startPump(sqs, world.queueUrl, async (event) => {
      step(`reconciling ${event.Records.length} snapshot(s)`);
      const r = await handler(event);
      printing = printing.then(async () =>
        process.stdout.write(`\n${await renderAwsTree(clients, cluster)}\n`),
      );
      return r;
    });
    await pump.idle(1500, 120_000);
    await printing;
    await webhook.results?.pollOnce(1);

    const stop = async () => {
      await pump.stop();
      await webhook.close();
      await moto?.stop();
    };
    if (values.once) {
      await stop();
      return pump.errors.length ? 1 : 0;
    }
    step(`ready. Edit a file under ${dir}/ to reconcile again; Ctrl-C to stop`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await stop();
    return 0;
  },
};
