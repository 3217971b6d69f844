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
    const started = performance.now();
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
    const { resolveExampleCertificate } = await import('../dev/example-certificate');
    const stacks = await resolveExampleCertificate(desired.stacks, target);
    const progress = progressLine(stacks.length);
    for (const [i, s] of stacks.entries()) {
      progress.tick(i, s.stackId);
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
    progress.end();

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
    else {
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(formatReports(reports, { cluster, files: desired.files, seconds }));
    }
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

export type StackVerdict = 'created' | 'updated' | 'deleted' | 'unchanged' | 'failed';

export function verdictOf(r: StackReport): StackVerdict {
  if (r.outcome === 'Failed') return 'failed';
  const lb = (action: string) => r.changes.some((c) => c.action === action && c.kind === 'LoadBalancer');
  if (r.pruned || lb('delete')) return 'deleted';
  if (lb('create')) return 'created';
  return r.changes.length > 0 ? 'updated' : 'unchanged';
}

/** "3 stacks: 1 created, 2 unchanged, 0 failed in 4.2 s" (updated and deleted only when there are any). */
export function summaryLine(reports: StackReport[], seconds: number): string {
  const n = (v: StackVerdict) => reports.filter((r) => verdictOf(r) === v).length;
  const parts = [
    `${n('created')} created`,
    ...(n('updated') ? [`${n('updated')} updated`] : []),
    ...(n('deleted') ? [`${n('deleted')} deleted`] : []),
    `${n('unchanged')} unchanged`,
    `${n('failed')} failed`,
  ];
  const count = `${reports.length} stack${reports.length === 1 ? '' : 's'}`;
  return `${count}: ${parts.join(', ')} in ${seconds.toFixed(1)} s`;
}

const errorKey = (r: StackReport) => `${r.error?.reason}: ${r.error?.message}`;

export function formatReports(
  reports: StackReport[],
  ctx: { cluster: string; files: number; seconds: number },
): string {
  const lines: string[] = [];
  if (reports.length === 0) {
    lines.push(`no Ingress of cluster ${ctx.cluster} in ${ctx.files} manifest file(s): nothing to reconcile`);
  }
  // One AWS error shared by many stacks (a missing permission, a quota) is said once, with a count.
  const byError = new Map<string, StackReport[]>();
  for (const r of reports)
    if (r.outcome === 'Failed' && !r.error?.problems)
      byError.set(errorKey(r), [...(byError.get(errorKey(r)) ?? []), r]);
  const shared = new Set([...byError].filter(([, rs]) => rs.length > 1).map(([k]) => k));

  const kindWidth = Math.max(0, ...reports.flatMap((r) => r.changes.map((c) => c.kind.length)));
  for (const r of reports) {
    const verdict = verdictOf(r);
    if (verdict === 'failed' && shared.has(errorKey(r))) continue;
    const head =
      verdict === 'failed'
        ? `${r.stackId}: Failed: ${r.error?.reason}${r.error?.problems ? '' : `: ${r.error?.message}`}`
        : `${r.stackId}: ${verdict}${r.pruned ? ' (pruned: no manifest produces it any more)' : ''}`;
    lines.push(head);
    for (const p of r.error?.problems ?? []) lines.push(`  ${p}`);
    if (verdict === 'unchanged' || verdict === 'failed') continue;
    for (const c of r.changes) {
      lines.push(
        `  ${VERB[c.action].padEnd(7)}  ${c.kind.padEnd(kindWidth)}  ${c.resource}${c.detail ? ` (${c.detail})` : ''}`,
      );
    }
    if (r.dnsName) lines.push(`  dnsName: ${r.dnsName}`);
    lines.push(`  apiCalls: {read: ${r.read}, write: ${r.write}}`);
  }
  for (const key of shared) {
    const rs = byError.get(key) ?? [];
    const names = rs.slice(0, 3).map((r) => r.stackId);
    const more = rs.length > 3 ? ` and ${rs.length - 3} more` : '';
    lines.push(`${rs.length} stacks failed with ${key} (${names.join(', ')}${more})`);
  }
  if (reports.length > 0) lines.push('', summaryLine(reports, ctx.seconds));
  return `${lines.join('\n')}\n`;
}

/**
 * "[12/200] shop/web" on stderr while a run lasts more than a second — only on a terminal, so logs and
 * pipes get the result alone.
 */
export function progressLine(total: number, stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let shown = false;
  return {
    tick(done: number, current: string) {
      if (!stream.isTTY || Date.now() - started < 1000) return;
      shown = true;
      stream.write(`\r\x1b[K[${done}/${total}] ${current}`);
    },
    end() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
