import { parseCommandArgs, requireFlag, UsageError } from '../args';
import type { Command } from '../main';

const usage =
  'albatross webhook --listen HOST:PORT --tls-cert-file F --tls-key-file F --cluster-name NAME [--manifests DIR | --kubeconfig F] [--queue-url URL] [--results-queue-url URL] [--resync-seconds N] [--pod-readiness-gates]';

export const command: Command = {
  summary: 'serve admission (validate + mutate) and forward snapshots to SQS',
  usage,
  async run(argv) {
    const { values, common } = parseCommandArgs(argv, {
      listen: { type: 'string', default: '0.0.0.0:9443' },
      'tls-cert-file': { type: 'string' },
      'tls-key-file': { type: 'string' },
      manifests: { type: 'string' },
      kubeconfig: { type: 'string' },
      'queue-url': { type: 'string' },
      'results-queue-url': { type: 'string' },
      'resync-seconds': { type: 'string' },
      'pod-readiness-gates': { type: 'boolean' },
    });
    const listen = values.listen as string;
    const m = /^(.*):(\d{1,5})$/.exec(listen);
    if (!m) throw new UsageError(`--listen: ${listen}: expected HOST:PORT`);
    if (values.manifests && values.kubeconfig)
      throw new UsageError('--manifests and --kubeconfig: expected one of them, not both');
    const resync = values['resync-seconds'] as string | undefined;
    if (resync !== undefined && !/^\d+$/.test(resync))
      throw new UsageError(`--resync-seconds: ${resync}: expected a whole number of seconds`);
    const { startWebhook } = await import('../../webhook/index');
    const webhook = await startWebhook({
      host: m[1]!.replace(/^\[|\]$/g, ''),
      port: Number(m[2]),
      tlsCertFile: requireFlag(values['tls-cert-file'] as string | undefined, 'tls-cert-file'),
      tlsKeyFile: requireFlag(values['tls-key-file'] as string | undefined, 'tls-key-file'),
      clusterName: requireFlag(common.clusterName, 'cluster-name'),
      source: values.manifests
        ? { kind: 'manifests', dir: values.manifests as string }
        : values.kubeconfig
          ? { kind: 'kubeconfig', path: values.kubeconfig as string }
          : { kind: 'in-cluster' },
      ...(values['queue-url'] ? { queueUrl: values['queue-url'] as string } : {}),
      ...(values['results-queue-url'] ? { resultsQueueUrl: values['results-queue-url'] as string } : {}),
      ...(common.region ? { region: common.region } : {}),
      ...(resync !== undefined ? { resyncSeconds: Number(resync) } : {}),
      ...(values['pod-readiness-gates'] ? { podReadinessGates: true } : {}),
    });
    process.stderr.write(`albatross webhook listening on ${webhook.url}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    await webhook.close();
    return 0;
  },
};
