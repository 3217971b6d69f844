/**
 * `albatross reconcile --manifests DIR --cluster-name NAME`: the Lambda's work, once, in-process —
 * manifests → desired stacks → snapshots → `reconcileStack` against AWS (or `AWS_ENDPOINT_URL`).
 * `--prune` also deletes the stacks of this cluster that no manifest produces any more.
 */
import {
  type Change,
  listClusterStacks,
  type ReconcileOutcome,
  reconcileStack,
} from '../../lambda/reconciler';
import { API_VERSION, type StackSnapshot, stackDigest } from '../../shared/messages';
import { checkAwsAccess, createCliClients, describeAwsAccessError, resolveAwsTarget } from '../aws-env';
import { defineCommand } from '../command';
import { CliError } from '../errors';
import { CLUSTER_NAME, JSON_OUTPUT, MANIFESTS, REGION, VPC_ID } from '../flags';
import { stacksFromManifests } from '../stack-source';

export interface StackReport {
  stackId: string;
  outcome: 'Succeeded' | 'Skipped' | 'Failed';
  /** Deleted by `--prune`: no manifest produces this stack any more. */
  pruned?: boolean;
  dnsName?: string;
  changes: Change[];
  read: number;
  write: number;
  error?: { reason: string; message: string; awsCode?: string; resource?: string; problems?: string[] };
  warnings?: string[];
}

export const command = defineCommand({
  flags: {
    manifests: { ...MANIFESTS, required: true },
    'cluster-name': { ...CLUSTER_NAME, required: true },
    prune: {
      type: 'boolean',
      description: 'also delete the stacks of this cluster that no manifest produces any more',
    },
    verify: {
      type: 'boolean',
      description: 'compare every resource with AWS even when the digest tag says it is converged',
    },
    region: REGION,
    'vpc-id': VPC_ID,
    json: JSON_OUTPUT,
  },
  async run({ flags, json }) {
    const dir = flags.manifests;
    const cluster = flags['cluster-name'];
    const err = (line: string) => process.stderr.write(`albatross reconcile: ${line}\n`);

    // A seq that grows across runs, like the webhook's; `--verify` skips the digest fast path.
    const desired = stacksFromManifests(dir, { cluster, seq: Date.now(), verify: flags.verify });
    if (!desired.ok) {
      throw new CliError(
        'input',
        `${desired.problems.length} problem(s) in the manifests under ${dir}: nothing reconciled`,
        { details: desired.problems },
      );
    }
    for (const s of desired.stacks) for (const w of s.warnings) err(`warning: ${w}`);

    const target = resolveAwsTarget(flags);
    const clients = createCliClients(target);
    const access = await checkAwsAccess(clients, target);
    if (!access.ok) throw new CliError('failed', access.message);
    const opts = { cluster, ...(flags['vpc-id'] ? { vpcId: flags['vpc-id'] } : {}) };

    const reports: StackReport[] = [];
    for (const s of desired.stacks) {
      if (!s.snapshot) {
        reports.push({
          stackId: s.stackId,
          outcome: 'Failed',
          changes: [],
          read: 0,
          write: 0,
          error: { reason: 'InvalidSnapshot', message: s.problems.join('; '), problems: s.problems },
          ...(s.warnings.length ? { warnings: s.warnings } : {}),
        });
        continue;
      }
      const outcome = await reconcileStack(s.snapshot, clients, opts);
      reports.push(reportOf(s.stackId, outcome, s.warnings));
    }

    if (flags.prune) {
      let existing: string[];
      try {
        existing = await listClusterStacks(clients, cluster);
      } catch (e) {
        throw new CliError(
          'failed',
          `--prune: listing the stacks of cluster ${cluster}: ${describeAwsAccessError(e, target) ?? (e as Error).message}`,
          { flag: 'prune' },
        );
      }
      // A stack whose model fails is still in the manifests: never prune it.
      const wanted = new Set(desired.stacks.map((s) => s.stackId));
      for (const stackId of existing.filter((id) => !wanted.has(id))) {
        const outcome = await reconcileStack(deletion(cluster, stackId), clients, opts);
        reports.push({ ...reportOf(stackId, outcome, []), pruned: true });
      }
    }

    if (json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
    else process.stdout.write(formatReports(reports, { cluster, files: desired.files }));
    return reports.some((r) => r.outcome === 'Failed') ? 1 : 0;
  },
});

function deletion(cluster: string, stackId: string): StackSnapshot {
  return {
    apiVersion: API_VERSION,
    kind: 'StackSnapshot',
    cluster,
    stackId,
    seq: Date.now(),
    digest: stackDigest(null),
    verify: true,
    members: [],
    inactiveMembers: [],
    stack: null,
  };
}

function reportOf(stackId: string, o: ReconcileOutcome, warnings: string[]): StackReport {
  const base = {
    stackId,
    changes: o.changes,
    read: o.apiCalls.read,
    write: o.apiCalls.write,
    ...(warnings.length ? { warnings } : {}),
  };
  if (o.outcome === 'Failed') return { ...base, outcome: 'Failed', error: o.error };
  return { ...base, outcome: o.outcome, ...(o.dnsName ? { dnsName: o.dnsName } : {}) };
}

const VERB = { create: 'created', update: 'updated', delete: 'deleted' } as const;

export function formatReports(reports: StackReport[], ctx: { cluster: string; files: number }): string {
  const lines: string[] = [];
  if (reports.length === 0) {
    lines.push(`no Ingress of cluster ${ctx.cluster} in ${ctx.files} manifest file(s): nothing to reconcile`);
  }
  const kindWidth = Math.max(0, ...reports.flatMap((r) => r.changes.map((c) => c.kind.length)));
  for (const r of reports) {
    const head =
      r.outcome === 'Failed'
        ? `${r.stackId}: Failed: ${r.error?.reason}${r.error?.problems ? '' : `: ${r.error?.message}`}`
        : `${r.stackId}: ${r.outcome}${r.outcome === 'Skipped' ? ' (already converged)' : ''}${r.pruned ? ' (pruned: no manifest produces it any more)' : ''}`;
    lines.push(head);
    for (const p of r.error?.problems ?? []) lines.push(`  ${p}`);
    for (const c of r.changes) {
      lines.push(
        `  ${VERB[c.action].padEnd(7)}  ${c.kind.padEnd(kindWidth)}  ${c.resource}${c.detail ? ` (${c.detail})` : ''}`,
      );
    }
    if (r.outcome === 'Succeeded' && r.changes.length === 0) lines.push('  no changes');
    if (r.dnsName) lines.push(`  dnsName: ${r.dnsName}`);
    lines.push(`  apiCalls: {read: ${r.read}, write: ${r.write}}`);
  }
  const count = (o: StackReport['outcome']) => reports.filter((r) => r.outcome === o).length;
  if (reports.length > 0) {
    lines.push(
      '',
      `${reports.length} stack(s): ${count('Succeeded')} succeeded, ${count('Skipped')} already converged, ${count('Failed')} failed`,
    );
  }
  return `${lines.join('\n')}\n`;
}
