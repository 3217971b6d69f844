/**
 * `albatross dev` (= `npm start`): the whole product on one machine. An AWS emulator (moto_server, or
 * AWS_ENDPOINT_URL), seeded with tagged subnets, instances, an ACM certificate and the queues; the
 * webhook on a generated certificate; the reconciler Lambda fed from the queue in-process; the resulting
 * ALBs printed as a tree, then what each change did.
 *
 * The cluster is a real kube-apiserver + etcd when their binaries are there (KUBEBUILDER_ASSETS or the
 * cache of scripts/kube-assets.sh; `--kube` builds them): the webhook is registered with it, the manifests
 * are applied, and a kubeconfig is written, so `kubectl apply`, `kubectl get ingress` (ADDRESS) and
 * `kubectl describe ingress` (Events) work as on a cluster. Without them the cluster is the manifests
 * folder, watched for edits.
 *
 * Whatever stops it — Ctrl-C, SIGTERM, SIGHUP, a crash, even SIGKILL — leaves no moto_server (it dies
 * with its parent) and no certificate folder (removed at exit, swept by the next run after a SIGKILL).
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineCommand } from '../command';
import { CliError } from '../errors';
import { CLUSTER_NAME, MANIFESTS, REGION } from '../flags';
import { Cleanups, onStopSignal } from '../lifecycle';
import { stacksFromManifests } from '../stack-source';

export { EXAMPLE_CERTIFICATE_ARN } from '../dev/example-certificate';

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
      description:
        'reconcile the manifests folder once, print the load balancers and exit (1 if a stack failed)',
    },
    kube: {
      type: 'boolean',
      description:
        'run a real kube-apiserver for kubectl, building its binaries first if needed (once, ~10 min)',
    },
    'no-kube': {
      type: 'boolean',
      description: 'use the manifests folder as the cluster even when the kube-apiserver binaries are there',
    },
  },
  async run({ flags }) {
    const dir = flags.manifests;
    checkManifests(dir, flags['cluster-name'], flags.once);
    const stop = onStopSignal(step);
    const cleanups = new Cleanups();
    try {
      const kube = await chooseCluster(flags);
      const session = startSession(
        { dir, cluster: flags['cluster-name'], region: flags.region, kube },
        cleanups,
      );
      const started = await Promise.race([session, stop.signalled]);
      if (typeof started === 'string') return 0;
      if (flags.once) return started.failedStacks() > 0 ? 1 : 0;
      step(started.readyHint);
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

/** Kube mode when asked (`--kube`), or by default when the binaries are there; never for `--once`. */
async function chooseCluster(flags: { kube: boolean; 'no-kube': boolean; once: boolean }): Promise<boolean> {
  if (flags.kube && (flags['no-kube'] || flags.once))
    throw new CliError('usage', `--kube: not with ${flags.once ? '--once' : '--no-kube'}`, { flag: 'kube' });
  const { assetsDir } = await import('../dev/kube');
  if (flags.kube && !assetsDir()) await buildKubeAssets();
  if (flags.kube) return true;
  if (flags.once || flags['no-kube']) return false;
  if (assetsDir()) return true;
  step(
    'the cluster is the manifests folder (no kube-apiserver binaries found). For kubectl apply/get/describe ' +
      'against a real API server: albatross dev --kube (builds them once with Go, ~10 min; or set KUBEBUILDER_ASSETS)',
  );
  return false;
}

/** scripts/kube-assets.sh, its progress lines shown as they come. */
async function buildKubeAssets(): Promise<void> {
  step('building kube-apiserver and etcd from the Go module proxy (once; cached under ~/.cache/albatross)');
  const script = fileURLToPath(new URL('../../scripts/kube-assets.sh', import.meta.url));
  const proc = spawn('bash', [script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let last = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      last = line;
      if (line.startsWith('[kube-assets]')) step(line.replace('[kube-assets] ', 'kube assets: '));
    }
  });
  const code = await new Promise<number | null>((resolve) => {
    proc.once('error', () => resolve(127));
    proc.once('exit', (c) => resolve(c));
  });
  if (code !== 0)
    throw new CliError('startup', `--kube: building the kube-apiserver binaries failed: ${last}`, {
      flag: 'kube',
    });
}

interface Session {
  failedStacks(): number;
  readyHint: string;
}

async function startSession(
  o: { dir: string; cluster: string; region: string; kube: boolean },
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
    moto,
    { seedLocalWorld, LOCAL_MAX_RECEIVE_COUNT },
    temp,
    cert,
  ] = await Promise.all([
    import('../../webhook/cluster-writer'),
    import('../../webhook/index'),
    import('../aws-tree'),
    import('../dev/moto'),
    import('../dev/seed'),
    import('../dev/temp'),
    import('../dev/example-certificate'),
  ]);
  const { cluster, region, dir } = o;
  temp.sweepStaleTempDirs();
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
  if (world.certificateArn !== cert.EXAMPLE_CERTIFICATE_ARN)
    step(
      `this emulator gave the certificate another ARN: the examples' ARN is replaced by ${world.certificateArn}`,
    );

  const log = (line: string) => process.stderr.write(`  ${line}\n`);
  const certDir = temp.makeTempDir('cert');
  cleanups.add('the webhook certificate', () => certDir.remove());
  let cluster_: Awaited<ReturnType<typeof startKubeCluster>> | undefined;
  if (o.kube) {
    cluster_ = await startKubeCluster(certDir.path, cleanups);
  }
  const tls = cluster_?.tls ?? (await (await import('../dev/kube')).makeServingCert(certDir.path, 'webhook'));
  const webhook = await startWebhook({
    host: '127.0.0.1',
    port: 0,
    tlsCertFile: tls.certFile,
    tlsKeyFile: tls.keyFile,
    clusterName: cluster,
    region,
    source: cluster_ ? { kind: 'kubeconfig', path: cluster_.kubeconfigPath } : { kind: 'manifests', dir },
    queueUrl: world.queueUrl,
    resultsQueueUrl: world.resultsQueueUrl,
    resultsWaitSeconds: 1,
    leaseNamespace: 'albatross-system',
    // With an API server the results become Ingress status and Events; without one, log lines.
    ...(cluster_ ? {} : { writer: new LogClusterWriter(log) }),
    log,
  });
  cleanups.add('the webhook', () => webhook.close());
  step(
    `webhook on ${webhook.url} (POST /validate, /mutate; GET /metrics)${cluster_ ? '' : `, watching ${dir}/`}`,
  );

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
      const outcome = await reconciler.reconcileStack(
        cert.withImportedCertificate(snapshot, world.certificateArn),
        c,
        opts,
      );
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
  if (cluster_) await cluster_.register(webhook.url, dir);
  await pump.idle(1500, 120_000);
  await printing;
  await webhook.results?.pollOnce(1);
  return {
    failedStacks: () =>
      [...latest.values()].filter((x) => x.outcome === 'Failed').length + pump.errors.length,
    readyHint: cluster_
      ? `ready. In another shell:\n    export KUBECONFIG=${cluster_.kubeconfigPath}\n    kubectl apply -f examples/shop; kubectl get ingress -A; kubectl describe ingress -n shop\n  Ctrl-C to stop (the API server, the emulator and their files go with it)`
      : `ready. Edit a file under ${dir}/ to reconcile again; Ctrl-C to stop`,
  };
}

/**
 * etcd + kube-apiserver (cli/dev/kube.ts), the webhook's serving certificate signed by a CA the API server
 * is told about, and — once the webhook listens — its registration and the manifests applied.
 */
async function startKubeCluster(certDir: string, cleanups: Cleanups) {
  const { startKube, makeServingCert, localWebhookConfigurations } = await import('../dev/kube');
  step('starting etcd and kube-apiserver on 127.0.0.1');
  const kube = await startKube();
  cleanups.add('kube-apiserver and etcd', () => kube.stop());
  step(`kube-apiserver ${kube.server}`);
  const tls = await makeServingCert(certDir, 'webhook');
  const kubectl = async (args: string[], input?: string) => {
    const r = await kube.kubectl(args, input === undefined ? {} : { input });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  // The Lease of the webhook's leader election lives there, as in a cluster.
  await kubectl(['create', 'namespace', 'albatross-system']);
  return {
    tls,
    kubeconfigPath: kube.kubeconfigPath,
    async register(webhookUrl: string, dir: string) {
      const list = {
        apiVersion: 'v1',
        kind: 'List',
        items: localWebhookConfigurations(webhookUrl, tls.caPem),
      };
      await kubectl(['apply', '-f', '-'], JSON.stringify(list));
      step(
        'webhook registered with the API server (MutatingWebhookConfiguration, ValidatingWebhookConfiguration)',
      );
      const { readManifestDir } = await import('../stack-source');
      if (readManifestDir(dir).length === 0) return;
      const applied = await kubectl(['apply', '--recursive', '-f', dir]).catch((err: Error) => {
        throw new CliError('input', `kubectl apply -f ${dir}: ${err.message.split('\n').slice(-1)[0]}`);
      });
      step(`kubectl apply -f ${dir}: ${applied.trim().split('\n').length} object(s)`);
    },
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
