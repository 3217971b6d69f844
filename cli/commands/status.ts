/**
 * `albatross status --cluster-name NAME [--manifests DIR] [--json]`: the load balancers of a cluster as AWS
 * has them (found by tracking tags), and — given the manifests — whether each one has drifted from them
 * (`planStack` with verify: a full, read-only comparison). Without manifests drift is `unknown`.
 * `--function-name F` adds (or, without `--cluster-name`, shows only) the reconciler: the function's state,
 * whether its SQS event source mapping runs or is paused, and the depths of its queue and DLQ.
 */

import { allLoadBalancers, listenersOf, rulesOf, TagCache } from '../../aws/discovery';
import type { ReconcilerView } from '../../aws/reconciler-switch';
import { type Change, planStack } from '../../lambda/reconciler';
import { CLUSTER_TAG, DIGEST_TAG, RESOURCE_ID, RESOURCE_TAG, STACK_TAG } from '../../shared/tags';
import { checkAwsAccess, createCliClients, describeAwsAccessError, resolveAwsTarget } from '../aws-env';
import { defineCommand } from '../command';
import { CliError, UsageError } from '../errors';
import { CLUSTER_NAME, JSON_OUTPUT, MANIFESTS, REGION, VPC_ID } from '../flags';
import { formatReconcilerView, reconcilerStatus } from '../reconciler-switch';
import { type DesiredStack, stacksFromManifests } from '../stack-source';

export type Drift = 'yes' | 'no' | 'unknown';

export interface StackStatus {
  stackId: string;
  loadBalancer?: { name: string; arn: string; dnsName?: string; scheme?: string; state?: string };
  listeners: number;
  /** Rules other than the listeners' default rules. */
  rules: number;
  /** The `albatross.dev/digest` tag: the snapshot AWS was last converged to. */
  digest?: string;
  drifted: Drift;
  /** Why: what a reconcile would change, or why drift could not be told. */
  changes?: Change[];
  note?: string;
}

export const command = defineCommand({
  flags: {
    'cluster-name': {
      ...CLUSTER_NAME,
      description: `${CLUSTER_NAME.description} (required unless --function-name alone)`,
    },
    manifests: { ...MANIFESTS, description: `${MANIFESTS.description}; compared with AWS to tell drift` },
    'function-name': {
      type: 'string',
      placeholder: 'F',
      description:
        "also show the reconciler Lambda: its state, its queue mapping's state, queue and DLQ depths",
    },
    region: REGION,
    'vpc-id': VPC_ID,
    json: JSON_OUTPUT,
  },
  async run({ flags, json }) {
    const functionName = flags['function-name'];
    let reconciler: ReconcilerView | undefined;
    if (functionName !== undefined) {
      const r = await reconcilerStatus(functionName, resolveAwsTarget(flags));
      if (!r.ok) throw new CliError('failed', r.message, { flag: 'function-name' });
      if (flags['cluster-name'] === undefined) {
        process.stdout.write(json ? `${JSON.stringify(r.view, null, 2)}\n` : formatReconcilerView(r.view));
        return 0;
      }
      reconciler = r.view;
      if (!json) process.stdout.write(`${formatReconcilerView(r.view)}\n`);
    }
    const cluster = flags['cluster-name'];
    if (cluster === undefined)
      throw new UsageError('missing required flag --cluster-name NAME (or --function-name F)', {
        flag: 'cluster-name',
      });
    const dir = flags.manifests;
    const err = (line: string) => process.stderr.write(`albatross status: ${line}\n`);

    let desired: Map<string, DesiredStack> | undefined;
    if (dir !== undefined) {
      const d = stacksFromManifests(dir, { cluster, seq: Date.now(), verify: true });
      if (!d.ok) {
        for (const p of d.problems) err(p);
        err(`${d.problems.length} problem(s) in the manifests under ${dir}: drift is unknown`);
      } else {
        desired = new Map(d.stacks.map((s) => [s.stackId, s]));
      }
    }

    const target = resolveAwsTarget(flags);
    const clients = createCliClients(target);
    const access = await checkAwsAccess(clients, target);
    if (!access.ok) throw new CliError('failed', access.message);
    let rows: StackStatus[];
    try {
      rows = await observe(clients, cluster);
    } catch (e) {
      throw new CliError(
        'failed',
        describeAwsAccessError(e, target) ?? `reading the load balancers: ${(e as Error).message}`,
      );
    }

    if (desired) {
      const { resolveExampleCertificate } = await import('../dev/example-certificate');
      desired = new Map(
        (await resolveExampleCertificate([...desired.values()], target)).map((s) => [s.stackId, s]),
      );
      const opts = { cluster, ...(flags['vpc-id'] ? { vpcId: flags['vpc-id'] } : {}) };
      for (const row of rows) {
        const want = desired.get(row.stackId);
        if (!want) {
          Object.assign(row, {
            drifted: 'yes',
            note: 'no manifest produces this stack (albatross reconcile --prune deletes it)',
          });
          continue;
        }
        if (!want.snapshot) {
          Object.assign(row, {
            drifted: 'unknown',
            note: `the manifests do not build: ${want.problems[0] ?? ''}`,
          });
          continue;
        }
        const plan = await planStack(want.snapshot, clients, opts);
        if (plan.outcome === 'Failed') {
          Object.assign(row, { drifted: 'unknown', note: `${plan.error.reason}: ${plan.error.message}` });
        } else {
          Object.assign(row, { drifted: plan.changes.length > 0 ? 'yes' : 'no', changes: plan.changes });
        }
      }
      // In the manifests, not in AWS (yet).
      const seen = new Set(rows.map((r) => r.stackId));
      for (const s of desired.values()) {
        if (seen.has(s.stackId) || s.snapshot?.stack === null) continue;
        rows.push({
          stackId: s.stackId,
          listeners: 0,
          rules: 0,
          drifted: s.snapshot ? 'yes' : 'unknown',
          note: s.snapshot
            ? 'not created yet (albatross reconcile creates it)'
            : `the manifests do not build: ${s.problems[0] ?? ''}`,
        });
      }
      rows.sort((a, b) => a.stackId.localeCompare(b.stackId));
    }

    if (json && reconciler)
      process.stdout.write(`${JSON.stringify({ reconciler, stacks: rows }, null, 2)}\n`);
    else if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else process.stdout.write(formatStatus(rows, cluster));
    return 0;
  },
});

/** Every load balancer of `cluster` by its tracking tags, with listener and rule counts. */
async function observe(
  clients: ReturnType<typeof createCliClients>,
  cluster: string,
): Promise<StackStatus[]> {
  const lbs = await allLoadBalancers(clients);
  const tags = await new TagCache(clients).of(lbs.map((lb) => lb.LoadBalancerArn ?? ''));
  const rows: StackStatus[] = [];
  for (const lb of lbs) {
    const t = tags.get(lb.LoadBalancerArn ?? '') ?? {};
    const stackId = t[STACK_TAG];
    if (t[CLUSTER_TAG] !== cluster || !stackId) continue;
    if (t[RESOURCE_TAG] !== undefined && t[RESOURCE_TAG] !== RESOURCE_ID.loadBalancer) continue;
    const listeners = await listenersOf(clients, lb.LoadBalancerArn ?? '');
    let rules = 0;
    for (const l of listeners)
      rules += (await rulesOf(clients, l.ListenerArn ?? '')).filter((r) => !r.IsDefault).length;
    rows.push({
      stackId,
      loadBalancer: {
        name: lb.LoadBalancerName ?? '',
        arn: lb.LoadBalancerArn ?? '',
        ...(lb.DNSName ? { dnsName: lb.DNSName } : {}),
        ...(lb.Scheme ? { scheme: lb.Scheme } : {}),
        ...(lb.State?.Code ? { state: lb.State.Code } : {}),
      },
      listeners: listeners.length,
      rules,
      ...(t[DIGEST_TAG] ? { digest: t[DIGEST_TAG] } : {}),
      drifted: 'unknown',
    });
  }
  return rows.sort((a, b) => a.stackId.localeCompare(b.stackId));
}

export function formatStatus(rows: StackStatus[], cluster: string): string {
  if (rows.length === 0) return `no load balancer of cluster ${cluster}\n`;
  const header = ['STACK', 'ALB', 'DNS NAME', 'LISTENERS', 'RULES', 'DIGEST', 'DRIFTED'];
  const table = rows.map((r) => [
    r.stackId,
    r.loadBalancer?.name ?? '-',
    r.loadBalancer?.dnsName ?? '-',
    String(r.listeners),
    String(r.rules),
    r.digest ? r.digest.slice(0, 12) : '-',
    r.drifted,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const numeric = new Set([3, 4]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...table.map(line)];
  const notes = rows.flatMap((r) => [
    ...(r.note ? [`${r.stackId}: ${r.note}`] : []),
    ...(r.changes ?? []).map(
      (c) => `${r.stackId}: would ${c.action} ${c.kind} ${c.resource}${c.detail ? ` (${c.detail})` : ''}`,
    ),
  ]);
  if (notes.length > 0) out.push('', ...notes);
  return `${out.join('\n')}\n`;
}
