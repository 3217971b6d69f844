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
import { parseCommandArgs, requireFlag } from '../args';
import { checkAwsAccess, createCliClients, describeAwsAccessError, resolveAwsTarget } from '../aws-env';
import type { Command } from '../main';
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

const USAGE =
  'albatross reconcile --manifests DIR --cluster-name NAME [--prune] [--verify] [--json] [--region R] [--vpc-id V]';

export const command: Command = {
  summary: 'reconcile AWS to the Ingresses in a directory of manifests (one shot, in-process)',
  usage: USAGE,
  async run(argv) {
    const { values, common, help } = parseCommandArgs(argv, {
      manifests: { type: 'string' },
      prune: { type: 'boolean', default: false },
      verify: { type: 'boolean', default: false },
    });
    if (help) {
      process.stdout.write(`usage: ${USAGE}\n`);
      return 0;
    }
    const dir = requireFlag(values.manifests as string | undefined, 'manifests');
    const cluster = requireFlag(common.clusterName, 'cluster-name');
    const err = (line: string) => process.stderr.write(`albatross reconcile: ${line}\n`);

    // A seq that grows across runs, like the webhook's; `--verify` skips the digest fast path.
    const desired = stacksFromManifests(dir, { cluster, seq: Date.now(), verify: values.verify === true });
    if (!desired.ok) {
      for (const p of desired.problems) err(p);
      err(`${desired.problems.length} problem(s) in the manifests under ${dir}: nothing reconciled`);
      return 1;
    }
    for (const s of desired.stacks) for (const w of s.warnings) err(`warning: ${w}`);

    const target = resolveAwsTarget(common);
    const clients = createCliClients(target);
    const access = await checkAwsAccess(clients, target);
    if (!access.ok) {
      err(access.message);
      return 1;
    }
    const opts = { cluster, ...(common.vpcId ? { vpcId: common.vpcId } : {}) };

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

    if (values.prune === true) {
      let existing: string[];
      try {
        existing = await listClusterStacks(clients, cluster);
      } catch (e) {
        err(
          `--prune: listing the stacks of cluster ${cluster}: ${describeAwsAccessError(e, target) ?? (e as Error).message}`,
        );
        return 1;
      }
      // A stack whose model fails is still in the manifests: never prune it.
      const wanted = new Set(desired.stacks.map((s) => s.stackId));
      for (const stackId of existing.filter((id) => !wanted.has(id))) {
        const outcome = await reconcileStack(deletion(cluster, stackId), clients, opts);
        reports.push({ ...reportOf(stackId, outcome, []), pruned: true });
      }
    }

    if (common.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
    else process.stdout.write(formatReports(reports, { cluster, files: desired.files }));
    return reports.some((r) => r.outcome === 'Failed') ? 1 : 0;
  },
};

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
