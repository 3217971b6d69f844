/**
 * The reconciler's public face. `reconcileStack` and `planStack` never throw: every failure comes back
 * as a typed `Failed` outcome with the SPEC's reason, and the API calls it took.
 */

import { CallCounter, type CallCounts } from '../../aws/call-counter';
import type { AwsClients } from '../../aws/clients';
import type { ReconcileError, StackSnapshot } from '../../shared/messages';
import type { Change, ResourceKind } from './changes';
import { createContext, type ReconcileOptions } from './context';
import { deploy } from './deploy';
import { toReconcileError } from './errors';

export type { AwsClients } from '../../aws/clients';
export { createAwsClients } from '../../aws/clients';
export { listClusterStacks } from '../../aws/cluster-stacks';
export type { Change, ReconcileOptions, ResourceKind };

export interface ApiCalls {
  read: number;
  write: number;
}

export type ReconcileOutcome =
  | {
      outcome: 'Succeeded' | 'Skipped';
      dnsName?: string;
      listenerPorts: { port: number; protocol: string }[];
      changes: Change[];
      apiCalls: ApiCalls;
      throttled: number;
    }
  | { outcome: 'Failed'; error: ReconcileError; changes: Change[]; apiCalls: ApiCalls; throttled: number };

const counters = new WeakMap<AwsClients, CallCounter>();

/** One counter per client pair, attached once; outcomes report the difference across one reconcile. */
export function callCounterFor(clients: AwsClients): CallCounter {
  let c = counters.get(clients);
  if (!c) {
    c = new CallCounter();
    for (const client of [clients.elbv2, clients.ec2, clients.tagging, clients.acm, clients.wafv2])
      if (client) c.attach(client);
    counters.set(clients, c);
  }
  return c;
}

const delta = (a: CallCounts, b: CallCounts) => ({
  read: b.read - a.read,
  write: b.write - a.write,
  throttled: b.throttled - a.throttled,
});

async function run(
  snapshot: StackSnapshot,
  clients: AwsClients,
  opts: ReconcileOptions,
  dryRun: boolean,
): Promise<ReconcileOutcome> {
  const counter = callCounterFor(clients);
  const before = counter.snapshot();
  const ctx = createContext(clients, snapshot, opts, dryRun);
  try {
    if (snapshot.cluster !== opts.cluster) {
      return {
        outcome: 'Failed',
        error: {
          reason: 'InvalidSnapshot',
          message: `snapshot is for cluster ${snapshot.cluster}, this reconciler serves ${opts.cluster}`,
        },
        changes: [],
        ...split(delta(before, counter.snapshot())),
      };
    }
    const r = await deploy(ctx);
    const listenerPorts = (snapshot.stack?.listeners ?? []).map((l) => ({
      port: l.port,
      protocol: l.protocol,
    }));
    return {
      outcome: r.skipped ? 'Skipped' : 'Succeeded',
      ...(r.dnsName ? { dnsName: r.dnsName } : {}),
      listenerPorts,
      changes: [...ctx.changes],
      ...split(delta(before, counter.snapshot())),
    };
  } catch (err) {
    return {
      outcome: 'Failed',
      error: toReconcileError(err),
      changes: [...ctx.changes],
      ...split(delta(before, counter.snapshot())),
    };
  }
}

const split = (d: { read: number; write: number; throttled: number }) => ({
  apiCalls: { read: d.read, write: d.write },
  throttled: d.throttled,
});

/** Converges AWS to the snapshot. */
export function reconcileStack(
  snapshot: StackSnapshot,
  clients: AwsClients,
  opts: ReconcileOptions,
): Promise<ReconcileOutcome> {
  return run(snapshot, clients, opts, false);
}

/** The changes `reconcileStack` would make, with reads only. */
export function planStack(
  snapshot: StackSnapshot,
  clients: AwsClients,
  opts: ReconcileOptions,
): Promise<ReconcileOutcome> {
  return run(snapshot, clients, opts, true);
}
