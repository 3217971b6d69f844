/**
 * `albatross plan --manifests DIR --cluster-name NAME`: the desired stacks, and — when an AWS endpoint is
 * configured (AWS_ENDPOINT_URL, or --aws for real AWS) — what a reconcile would create, update or delete
 * there. Never writes anything.
 */
import { planStack } from '../../lambda/reconciler/index';
import { createCliClients, resolveAwsTarget } from '../aws-env';
import { defineCommand } from '../command';
import { CliError } from '../errors';
import { CLUSTER_NAME, JSON_OUTPUT, MANIFESTS, REGION, VPC_ID } from '../flags';
import { renderChanges, renderStack } from '../render';
import { stacksFromManifests } from '../stack-source';

export const command = defineCommand({
  flags: {
    manifests: { ...MANIFESTS, required: true },
    'cluster-name': { ...CLUSTER_NAME, required: true },
    aws: {
      type: 'boolean',
      description: 'compare with real AWS (credentials from the environment) when AWS_ENDPOINT_URL is unset',
    },
    region: REGION,
    'vpc-id': VPC_ID,
    json: JSON_OUTPUT,
  },
  async run({ flags, json }) {
    const dir = flags.manifests;
    const cluster = flags['cluster-name'];
    const built = stacksFromManifests(dir, { cluster, seq: 0, verify: false });
    if (!built.ok) {
      throw new CliError('input', `${built.problems.length} problem(s) in the manifests under ${dir}`, {
        details: built.problems,
      });
    }
    const target = resolveAwsTarget(flags);
    const withAws = flags.aws || target.endpoint !== undefined;
    const clients = withAws ? createCliClients(target) : undefined;
    let failed = false;
    const documents: unknown[] = [];
    const stacks = clients
      ? await (await import('../dev/example-certificate')).resolveExampleCertificate(built.stacks, target)
      : built.stacks;
    for (const s of stacks) {
      for (const w of s.warnings) process.stderr.write(`warning: ${w}\n`);
      if (!s.snapshot) {
        failed = true;
        process.stderr.write(
          `stack ${s.stackId}: the model failed:\n${s.problems.map((p) => `  ${p}`).join('\n')}\n`,
        );
        continue;
      }
      let diff: Awaited<ReturnType<typeof planStack>> | undefined;
      if (clients) {
        diff = await planStack(s.snapshot, clients, {
          cluster,
          ...(flags['vpc-id'] ? { vpcId: flags['vpc-id'] } : {}),
        });
        if (diff.outcome === 'Failed') failed = true;
      }
      if (json) {
        documents.push(diff ? { ...s.snapshot, plan: diff } : s.snapshot);
        continue;
      }
      process.stdout.write(renderStack(s.stackId, s.snapshot.stack));
      if (diff) {
        process.stdout.write(`   AWS changes (${diff.apiCalls.read} reads, no writes):\n`);
        process.stdout.write(
          diff.outcome === 'Failed'
            ? `   ! ${diff.error.reason}: ${diff.error.message}\n`
            : renderChanges(diff.changes),
        );
      }
      process.stdout.write('\n');
    }
    if (json) process.stdout.write(`${JSON.stringify(documents, null, 2)}\n`);
    if (built.stacks.length === 0 && !json) process.stdout.write(`no managed Ingress in ${dir}\n`);
    return failed ? 1 : 0;
  },
});
