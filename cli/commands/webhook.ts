/**
 * `albatross webhook`: the in-cluster server. Every startup problem — a flag, an unreadable certificate,
 * a port in use, a kubeconfig that does not load, an API server that cannot be listed — ends the process
 * with exit 1 and the cause named, so that a Pod crash-loops visibly instead of hanging. SIGTERM drains.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { defineCommand } from '../command';
import { CliError, UsageError } from '../errors';
import { CLUSTER_NAME, REGION } from '../flags';
import { Cleanups, onStopSignal } from '../lifecycle';

const log = (line: string) => process.stderr.write(`${line}\n`);

function readable(path: string, flag: string): void {
  try {
    accessSync(path, constants.R_OK);
    if (!statSync(path).isFile()) throw Object.assign(new Error(), { code: 'EISDIR' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'not a file' : 'not readable';
    throw new CliError('startup', `--${flag}: ${path}: ${why}`, { flag });
  }
}

/** The listen error of a server, as the flag that caused it. */
export function describeListenError(err: unknown, listen: string): string | undefined {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') return `--listen: ${listen}: address already in use`;
  if (code === 'EACCES') return `--listen: ${listen}: permission denied (ports below 1024 need privileges)`;
  if (code === 'EADDRNOTAVAIL') return `--listen: ${listen}: not an address of this machine`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `--listen: ${listen}: unknown host`;
  return undefined;
}

/** Binds and releases the address at once: a port in use is found before the slow part of startup. */
function probeListen(host: string, port: number, listen: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err) =>
      reject(
        new CliError('startup', describeListenError(err, listen) ?? `--listen: ${listen}: ${err.message}`, {
          flag: 'listen',
        }),
      ),
    );
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

export const command = defineCommand({
  flags: {
    listen: {
      type: 'string',
      placeholder: 'HOST:PORT',
      default: '0.0.0.0:9443',
      description: 'address of the HTTPS admission server',
    },
    'tls-cert-file': {
      type: 'string',
      placeholder: 'FILE',
      required: true,
      description: 'PEM certificate of the server (re-read when it changes)',
    },
    'tls-key-file': {
      type: 'string',
      placeholder: 'FILE',
      required: true,
      description: 'PEM private key of the certificate',
    },
    'cluster-name': { ...CLUSTER_NAME, required: true },
    kubeconfig: {
      type: 'string',
      placeholder: 'FILE',
      description: 'watch the API server of this kubeconfig (default: in-cluster ServiceAccount)',
    },
    manifests: {
      type: 'string',
      placeholder: 'DIR',
      description: 'read the cluster from a directory of manifests instead of an API server',
    },
    'queue-url': {
      type: 'string',
      placeholder: 'URL',
      description: 'SQS FIFO queue the snapshots go to (without it: admission only)',
    },
    'results-queue-url': {
      type: 'string',
      placeholder: 'URL',
      description: 'SQS queue of reconcile results, turned into Ingress status and Events',
    },
    'resync-seconds': {
      type: 'string',
      placeholder: 'N',
      description: 'send every stack again every N seconds (default 600; 0: never)',
    },
    'pod-readiness-gates': {
      type: 'boolean',
      description: "give pods in labelled namespaces the load balancer's target-health readiness gate",
    },
    region: REGION,
  },
  async run({ flags }) {
    const listen = flags.listen;
    const m = /^(.*):(\d{1,5})$/.exec(listen);
    if (!m || Number(m[2]) > 65535)
      throw new UsageError(`--listen: ${listen}: expected HOST:PORT`, { flag: 'listen' });
    if (flags.manifests && flags.kubeconfig)
      throw new UsageError('--manifests and --kubeconfig: expected one of them, not both');
    const resync = flags['resync-seconds'];
    if (resync !== undefined && !/^\d+$/.test(resync))
      throw new UsageError(`--resync-seconds: ${resync}: expected a whole number of seconds`, {
        flag: 'resync-seconds',
      });
    const host = m[1]!.replace(/^\[|\]$/g, '');
    const port = Number(m[2]);
    readable(flags['tls-cert-file'], 'tls-cert-file');
    readable(flags['tls-key-file'], 'tls-key-file');
    if (flags.manifests !== undefined && !statSync(flags.manifests, { throwIfNoEntry: false })?.isDirectory())
      throw new CliError('startup', `--manifests: ${flags.manifests}: no such directory`, {
        flag: 'manifests',
      });
    if (flags.kubeconfig !== undefined) {
      readable(flags.kubeconfig, 'kubeconfig');
      await checkKubeconfig(flags.kubeconfig);
    } else if (flags.manifests === undefined && !process.env.KUBERNETES_SERVICE_HOST) {
      throw new CliError(
        'startup',
        'not running in a cluster (KUBERNETES_SERVICE_HOST is unset): give --kubeconfig FILE or --manifests DIR',
      );
    }

    await probeListen(host, port, listen);

    const stop = onStopSignal(log);
    const cleanups = new Cleanups();
    // The informers report a failed first list through the log; before the state is synced, that is a
    // startup failure (an API server that cannot be listed), not something to retry forever.
    let firstInformerError: string | undefined;
    const webhookLog = (line: string) => {
      if (line.startsWith('informer ')) firstInformerError ??= line;
      log(line);
    };
    try {
      const { startWebhook } = await import('../../webhook/index');
      const starting = startWebhook({
        host,
        port,
        tlsCertFile: flags['tls-cert-file'],
        tlsKeyFile: flags['tls-key-file'],
        clusterName: flags['cluster-name'],
        source: flags.manifests
          ? { kind: 'manifests', dir: flags.manifests }
          : flags.kubeconfig
            ? { kind: 'kubeconfig', path: flags.kubeconfig }
            : { kind: 'in-cluster' },
        ...(flags['queue-url'] ? { queueUrl: flags['queue-url'] } : {}),
        ...(flags['results-queue-url'] ? { resultsQueueUrl: flags['results-queue-url'] } : {}),
        ...(flags.region ? { region: flags.region } : {}),
        ...(resync !== undefined ? { resyncSeconds: Number(resync) } : {}),
        ...(flags['pod-readiness-gates'] ? { podReadinessGates: true } : {}),
        log: webhookLog,
      });
      const started = await Promise.race([starting, stop.signalled]);
      if (typeof started === 'string') return 0; // stopped while starting: nothing to drain yet
      const webhook = started;
      cleanups.add('the webhook', () => webhook.close());
      if (!webhook.state.synced()) {
        if (firstInformerError)
          throw new CliError('startup', `cannot list the cluster: ${firstInformerError}`);
        const deadline = Date.now() + 30_000;
        while (!webhook.state.synced() && !firstInformerError && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        if (!webhook.state.synced())
          throw new CliError(
            'startup',
            `cannot list the cluster: ${firstInformerError ?? 'not synced within 30 s'}`,
          );
      }
      log(`albatross webhook listening on ${webhook.url}`);
      await stop.signalled;
      await cleanups.run(log);
      return 0;
    } catch (err) {
      await cleanups.run(log);
      if (err instanceof CliError) throw err;
      throw new CliError(
        'startup',
        describeListenError(err, listen) ?? `could not start: ${(err as Error).message}`,
      );
    } finally {
      stop.dispose();
    }
  },
});

/** A kubeconfig that parses and names a current cluster, or the reason it does not. */
async function checkKubeconfig(path: string): Promise<void> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (err) {
    throw new CliError('startup', `--kubeconfig: ${path}: ${(err as Error).message.split('\n')[0]}`, {
      flag: 'kubeconfig',
    });
  }
  if (!kc.getCurrentCluster())
    throw new CliError('startup', `--kubeconfig: ${path}: no current context with a cluster`, {
      flag: 'kubeconfig',
    });
}
