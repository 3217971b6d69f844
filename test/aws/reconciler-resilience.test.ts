/**
 * One invocation is enough (issue: reconciler v2): with 30 % of requests failing in every transient way
 * AWS fails — throttling, 5xx, connections reset before or after the call took effect — a single
 * reconcile converges, and a verify run afterwards has nothing to write. Two reconciles of one stack at
 * once end converged too: a loser yields as Conflict, never NotOwned, never a duplicate or a leak.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { seedLocalWorld } from '../../cli/dev/seed';
import { type AwsClients, createAwsClients, reconcileStack } from '../../lambda/reconciler/index';
import { injectFaults, transientFaults } from '../support/aws-faults';
import { type AwsDump, dumpAws } from '../support/aws-state';
import { CLUSTER, deletionSnapshot, snapshotFor, threeMemberGroup } from '../support/group-fixture';

const endpoint = inject('motoEndpoint');
const opts = { cluster: CLUSTER, deleteRetryDelaysMs: [10, 10, 10] };
let c: AwsClients;
let instanceIds: string[];

beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  c = createAwsClients({ endpoint, region: 'us-east-1', maxAttempts: 1 });
});

async function fresh() {
  await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  ({ instanceIds } = await seedLocalWorld({ endpoint, region: 'us-east-1' }, CLUSTER));
}

/** Names and content only: ids, ARNs and DNS names differ between worlds. */
function comparable(d: AwsDump) {
  return {
    ...d,
    loadBalancers: d.loadBalancers.map(({ subnets, securityGroups, ...rest }) => ({
      ...rest,
      subnets: subnets.length,
      securityGroups: securityGroups.length,
    })),
  };
}

async function cleanState() {
  await fresh();
  const s = snapshotFor(threeMemberGroup({ instanceIds }));
  expect((await reconcileStack(s, c, opts)).outcome).toBe('Succeeded');
  return comparable(await dumpAws(c));
}

describe('30 % of requests failing', () => {
  for (const seed of [7, 2026]) {
    it(`converges in one reconcile, then a verify run writes nothing (seed ${seed})`, async () => {
      // The clean run's state, then a clean deletion: the faulty run starts from the same world.
      const want = await cleanState();
      const s = snapshotFor(threeMemberGroup({ instanceIds }));
      expect((await reconcileStack(deletionSnapshot('shop'), c, opts)).outcome).toBe('Succeeded');
      // The Lambda's own client configuration (standard retry mode, 11 attempts).
      const flaky = createAwsClients({ endpoint, region: 'us-east-1' });
      const fault = injectFaults(flaky, transientFaults(0.3, seed));
      const r = await reconcileStack(s, flaky, opts);
      fault.remove();
      expect(r.outcome, r.outcome === 'Failed' ? r.error.message : '').toBe('Succeeded');
      expect(fault.calls()).toBeGreaterThan(r.apiCalls.read + r.apiCalls.write - 1);
      const verify = await reconcileStack({ ...s, verify: true }, c, opts);
      expect(verify.outcome).toBe('Succeeded');
      expect(verify.changes).toEqual([]);
      expect(verify.apiCalls.write).toBe(0);
      expect(comparable(await dumpAws(c))).toEqual(want);
    }, 180_000);
  }
});

describe('two reconciles of one stack at once', () => {
  it('end converged: each one succeeds or yields as Conflict; no duplicate, no leak, never NotOwned', async () => {
    const want = await cleanState();
    const s = snapshotFor(threeMemberGroup({ instanceIds }));
    for (let round = 0; round < 3; round++) {
      expect((await reconcileStack(deletionSnapshot('shop'), c, opts)).outcome).toBe('Succeeded');
      const a = createAwsClients({ endpoint, region: 'us-east-1', maxAttempts: 1 });
      const b = createAwsClients({ endpoint, region: 'us-east-1', maxAttempts: 1 });
      const outcomes = await Promise.all([reconcileStack(s, a, opts), reconcileStack(s, b, opts)]);
      for (const o of outcomes) {
        if (o.outcome === 'Failed') expect(o.error.reason, o.error.message).toBe('Conflict');
        else expect(o.outcome).toBe('Succeeded');
      }
      // What the loser left is finished by the next delivery (the queue redelivers a failed message).
      const next = await reconcileStack(s, c, opts);
      expect(['Succeeded', 'Skipped']).toContain(next.outcome);
      const verify = await reconcileStack({ ...s, verify: true }, c, opts);
      expect(verify.changes).toEqual([]);
      expect(comparable(await dumpAws(c))).toEqual(want);
    }
  }, 240_000);
});
