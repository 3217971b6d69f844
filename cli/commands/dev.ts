/**
 * `albatross dev` (= `npm start`): the whole product on one machine. An AWS emulator (moto_server, or
 * AWS_ENDPOINT_URL), seeded with tagged subnets, instances, an ACM certificate and the queues; the
 * webhook on a generated certificate with a manifests directory as the cluster; the reconciler Lambda
 * fed from the queue in-process; the resulting ALBs printed as a tree, then what each edit changed.
 *
 * Whatever stops it — Ctrl-C, SIGTERM, SIGHUP, a crash, even SIGKILL — leaves no moto_server (it dies
 * with its parent) and no certificate folder (removed at exit, swept by the next run after a SIGKILL).
 */
import { existsSync, statSync } from 'node:fs';
import { defineCommand } from '../command';
import { CliError } from '../errors';
import { CLUSTER_NAME, MANIFESTS, REGION } from '../flags';
import { Cleanups, onStopSignal } from '../lifecycle';
import { stacksFromManifests } from '../stack-source';

/** The example manifests name this ARN; local mode swaps in the certificate it imported into ACM. */
export const EXAMPLE_CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/albatross-example';

const step = (s: string) => process.stderr.write(`• ${s}\n`);

export const command = defineCommand({
  flags: {
    manifests: {
      ...MANIFESTS,
      default: 'examples',
      description: 'the "cluster": a directory of manifests, reconciled again on every edit',
    },
    'cluster-name': { ...CLUSTER_NAME, default: 'albatross-dev' },
    region: { ...REGION, description: 'AWS region of the emulator', default: 'us-east-1' },
    once: {
      type: 'boolean',
      description: 'reconcile once, print the load balancers and exit (1 if a stack failed)',
    },
  },
  async run({ flags }) {
    const dir = flags.manifests;
    checkManifests(dir, flags['cluster-name'], flags.once);
    const stop = onStopSignal(step);
    const cleanups = new Cleanups();
    try {
      const session = startSession({ dir, cluster: flags['cluster-name'], region: flags.region }, cleanups);
      const started = await Promise.race([session, stop.signalled]);
      if (typeof started === 'string') return 0;
      if (flags.once) return started.failedStacks() > 0 ? 1 : 0;
      step(`ready. Edit a file under ${dir}/ to reconcile again; Ctrl-C to stop`);
      await stop.signalled;
      return 0;
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError('startup', (err as Error).message.split('\n')[0] ?? String(err));
    } finally {
      await cleanups.run(step);
      stop.dispose();
    }
  },
});

/**
 * Before anything starts: manifests that do not parse are an error, and so — for `--once`, which would
 * have nothing to show — is a directory without a managed Ingress or with one whose model fails.
 */
function checkManifests(dir: string, cluster: string, once: boolean): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new CliError('input', `--manifests: ${dir}: no such directory`, { flag: 'manifests' });
  const built = stacksFromManifests(dir, { cluster, seq: 0, verify: false });
  if (!built.ok)
    throw new CliError('input', `${built.problems.length} problem(s) in the manifests under ${dir}`, {
      details: built.problems,
    });
  if (built.stacks.length === 0) {
    const what =
      built.files === 0
        ? 'no .yaml/.yml/.json file'
        : `no Ingress of an IngressClass of albatross in ${built.files} file(s)`;
    if (once)
      throw new CliError('input', `--manifests: ${dir}: ${what}: nothing to reconcile`, {
        flag: 'manifests',
      });
    step(`${dir}: ${what} yet; add one and it is reconciled`);
  }
  const failing = built.stacks.filter((s) => !s.snapshot);
  if (once && failing.length > 0)
    throw new CliError('input', `${failing.length} stack(s) in ${dir} do not build`, {
      details: failing.flatMap((s) => s.problems.map((p) => `stack ${s.stackId}: ${p}`)),
    });
}

interface Session {
  failedStacks(): number;
}

async function startSession(
  o: { dir: string; cluster: string; region: string },
  cleanups: Cleanups,
): Promise<Session> {
  const [
    { SQSClient },
    { createAwsClients },
    { createHandler },
    { startPump },
    { sqsResultSink },
    reconciler,
    { sqsDeadLetterSink },
  ] = await Promise.all([
    import('@aws-sdk/client-sqs'),
    import('../../aws/clients'),
    import('../../lambda/handler'),
    import('../../lambda/local-event-source'),
    import('../../lambda/results'),
    import('../../lambda/reconciler'),
    import('../../lambda/dead-letter'),
  ]);
  const [
    { LogClusterWriter },
    { startWebhook },
    { renderAwsTree },
    { selfSignedCertificate },
    moto,
    { seedLocalWorld, LOCAL_MAX_RECEIVE_COUNT },
  ] = await Promise.all([
    import('../../webhook/cluster-writer'),
    import('../../webhook/index'),
    import('../aws-tree'),
    import('../dev/certs'),
    import('../dev/moto'),
    import('../dev/seed'),
  ]);
  const { sweepStaleTempDirs } = await import('../dev/temp');
  const { cluster, region, dir } = o;
  sweepStaleTempDirs();
  // The Lambda's JSON logs and EMF lines are for CloudWatch; here the tree says what happened.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.AWS_ACCESS_KEY_ID ??= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';

  let endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) {
    step('starting the AWS emulator (moto_server) on 127.0.0.1');
    const m = await moto.startMoto();
    cleanups.add('moto_server', () => m.stop());
    endpoint = m.endpoint;
    process.env.AWS_ENDPOINT_URL = endpoint;
  }
  step(`AWS endpoint ${endpoint}`);
  const world = await seedLocalWorld({ endpoint, region }, cluster);
  step(
    `seeded VPC ${world.vpcId}: ${world.subnetIds.length} tagged subnets, ${world.instanceIds.length} instances, ACM certificate, queues`,
  );

  const tls = await selfSignedCertificate('127.0.0.1', ['localhost']);
  cleanups.add('the webhook certificate', () => tls.remove());
  const log = (line: string) => process.stderr.write(`  ${line}\n`);
  const swapCertificate = <T>(o: T): T =>
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
  cleanups.add('the webhook', () => webhook.close());
  step(`webhook on ${webhook.url} (POST /validate, /mutate; GET /metrics), watching ${dir}/`);

  const clients = createAwsClients({ endpoint, region });
  const sqs = new SQSClient({ endpoint, region });
  // Each stack's latest outcome: the first batch prints the whole tree, later ones only what changed.
  const latest = new Map<string, Awaited<ReturnType<typeof reconciler.reconcileStack>>>();
  let batch: string[] = [];
  const handler = createHandler({
    clients,
    cluster,
    vpcId: world.vpcId,
    results: sqsResultSink(sqs, world.resultsQueueUrl),
    // As in AWS: the last failed attempt parks the snapshot in the DLQ with its error (albatross redrive).
    deadLetter: sqsDeadLetterSink(sqs, world.dlqUrl, LOCAL_MAX_RECEIVE_COUNT),
    reconcile: async (snapshot, c, opts) => {
      const outcome = await reconciler.reconcileStack(snapshot, c, opts);
      latest.set(snapshot.stackId, outcome);
      batch.push(describeOutcome(snapshot.stackId, outcome));
      return outcome;
    },
  });
  let printedTree = false;
  let printing: Promise<unknown> = Promise.resolve();
  const pump = await startPump(sqs, world.queueUrl, async (event) => {
    const r = await handler(event);
    const lines = batch;
    batch = [];
    printing = printing.then(async () => {
      if (!printedTree) {
        printedTree = true;
        process.stdout.write(`\n${await renderAwsTree(clients, cluster)}\n`);
        for (const l of lines.filter((x) => x.includes('Failed'))) process.stdout.write(`${l}\n`);
      } else {
        process.stdout.write(`${lines.join('\n')}\n`);
      }
    });
    return r;
  });
  cleanups.add('the queue pump', () => pump.stop());
  await pump.idle(1500, 120_000);
  await printing;
  await webhook.results?.pollOnce(1);
  return {
    failedStacks: () =>
      [...latest.values()].filter((x) => x.outcome === 'Failed').length + pump.errors.length,
  };
}

function describeOutcome(
  stackId: string,
  o: {
    outcome: string;
    changes: { action: string; kind: string; resource: string; detail?: string }[];
    error?: { reason: string; message: string };
  },
): string {
  const time = new Date().toTimeString().slice(0, 8);
  if (o.outcome === 'Failed')
    return `${time} stack ${stackId}: Failed: ${o.error?.reason}: ${o.error?.message}`;
  if (o.changes.length === 0) return `${time} stack ${stackId}: no change`;
  const sign = { create: '+', update: '~', delete: '-' } as Record<string, string>;
  return [
    `${time} stack ${stackId}: ${o.changes.length} change(s)`,
    ...o.changes.map(
      (c) => `   ${sign[c.action] ?? c.action} ${c.kind} ${c.resource}${c.detail ? `: ${c.detail}` : ''}`,
    ),
  ].join('\n');
}
