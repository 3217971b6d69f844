/**
 * `albatross plan --manifests DIR --cluster-name NAME`: the desired stacks, and — when an AWS endpoint is
 * configured (AWS_ENDPOINT_URL, or --aws for real AWS) — what a reconcile would create, update or delete
 * there. Never writes anything.
 */
import { planStack } from '../../lambda/reconciler/index';
import { parseCommandArgs, requireFlag, UsageError } from '../args';
import { createCliClients, resolveAwsTarget } from '../aws-env';
import type { Command } from '../main';
import { renderChanges, renderStack } from '../render';
import { stacksFromManifests } from '../stack-source';

const usage = 'albatross plan --manifests DIR --cluster-name NAME [--aws] [--json] [--region R] [--vpc-id V]';

export const command: Command = {
  summary: 'print the desired stacks (and the AWS-side diff when an AWS endpoint is set); changes nothing',
  usage,
  async run(argv) {
    const { values, common } = parseCommandArgs(argv, {
      manifests: { type: 'string' },
      aws: { type: 'boolean', default: false },
    });
    const dir = requireFlag(values.manifests as string | undefined, 'manifests');
    const cluster = requireFlag(common.clusterName, 'cluster-name');
    const built = stacksFromManifests(dir, { cluster, seq: 0, verify: false });
    if (!built.ok) {
      for (const p of built.problems) process.stderr.write(`${p}\n`);
      return 1;
    }
    const target = resolveAwsTarget(common);
    const withAws = values.aws === true || target.endpoint !== undefined;
    const clients = withAws ? createCliClients(target) : undefined;
    let failed = false;
    const json: unknown[] = [];
    for (const s of built.stacks) {
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
          ...(common.vpcId ? { vpcId: common.vpcId } : {}),
        });
        if (diff.outcome === 'Failed') failed = true;
      }
      if (common.json) {
        json.push(diff ? { ...s.snapshot, plan: diff } : s.snapshot);
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
    if (common.json) process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    if (built.stacks.length === 0 && !common.json) process.stdout.write(`no managed Ingress in ${dir}\n`);
    if (values.aws && !clients) throw new UsageError('--aws: no AWS target');
    return failed ? 1 : 0;
  },
};
