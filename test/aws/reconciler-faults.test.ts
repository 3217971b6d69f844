/**
 * Idempotency under failure (SPEC §6.2.9): a reconcile that dies at any call, then runs again, ends in the
 * state a clean run makes, with nothing leaked. Throttling is retried inside the run. Resources without
 * our tags are never touched.
 */

import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import {
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeTagsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type AwsClients,
  createAwsClients,
  listClusterStacks,
  reconcileStack,
} from '../../lambda/reconciler/index';
import { injectFaults } from '../support/aws-faults';
import { type AwsDump, dumpAws } from '../support/aws-state';
import { CLUSTER, deletionSnapshot, snapshotFor, threeMemberGroup } from '../support/group-fixture';
import { isolatedWorld, resetReconcilerWorld } from '../support/reconciler-world';

const endpoint = inject('motoEndpoint');
const opts = { cluster: CLUSTER, deleteRetryDelaysMs: [10, 10] };
let c: AwsClients;

beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  c = createAwsClients({ endpoint, region: 'us-east-1', maxAttempts: 1 });
});

async function fresh() {
  return resetReconcilerWorld(endpoint, c, CLUSTER);
}

/** Names and content only: ids, ARNs and DNS names differ between worlds (security groups by name). */
async function comparableDump(clients = c) {
  const d: AwsDump = await dumpAws(clients);
  const { SecurityGroups = [] } = await clients.ec2.send(new DescribeSecurityGroupsCommand({}));
  const name = new Map(SecurityGroups.map((g) => [g.GroupId ?? '', g.GroupName ?? '']));
  return {
    ...d,
    loadBalancers: d.loadBalancers.map(({ subnets, securityGroups, ...rest }) => ({
      ...rest,
      subnets: subnets.length,
      securityGroups: securityGroups.map((id) => name.get(id) ?? id).sort(),
    })),
  };
}

const MODES = ['crash', 'crash-after'] as const;
type Mode = (typeof MODES)[number];
/** Cases at once, each in its own emulator account: the emulator and the SDK work side by side. */
const WIDTH = 3;

/** `body` for every mode and every k from 1 to `total`, WIDTH at a time; the first failure stops the rest. */
async function forEveryCall(total: number, body: (mode: Mode, k: number) => Promise<void>): Promise<void> {
  const cases = MODES.flatMap((mode) => Array.from({ length: total }, (_, i) => [mode, i + 1] as const));
  let next = 0;
  let ran = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: WIDTH }, async () => {
      while (!failed && next < cases.length) {
        const [mode, k] = cases[next++]!;
        try {
          await body(mode, k);
          ran++;
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    }),
  );
  expect(ran, 'cases run').toBe(cases.length);
  process.stdout.write(`${cases.length} crash cases (${total} calls × ${MODES.length} modes)\n`);
}

const snapshot = snapshotFor(threeMemberGroup());

describe('a crash before or after the k-th AWS call, for every k', () => {
  it('ends, after a retry, exactly where a clean run ends, with nothing leaked', async () => {
    await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    const reference = await isolatedWorld(endpoint, CLUSTER);
    const clean = await reconcileStack(snapshot, reference.clients, opts);
    expect(clean.outcome).toBe('Succeeded');
    const totalCalls = clean.apiCalls.read + clean.apiCalls.write;
    const want = await comparableDump(reference.clients);
    expect(totalCalls).toBeGreaterThan(10);

    await forEveryCall(totalCalls, async (mode, k) => {
      const { clients } = await isolatedWorld(endpoint, CLUSTER);
      const fault = injectFaults(clients, { failAt: (n) => (n === k ? mode : undefined) });
      const crashed = await reconcileStack(snapshot, clients, opts);
      fault.remove();
      expect(crashed.outcome, `${mode} at call ${k} should have failed the run`).toBe('Failed');
      const retried = await reconcileStack(snapshot, clients, opts);
      // A crash after the last write (the digest tag) leaves nothing to do: the retry may skip.
      expect(['Succeeded', 'Skipped'], `retry after ${mode} at call ${k}`).toContain(retried.outcome);
      expect(await comparableDump(clients), `state after ${mode} at call ${k}`).toEqual(want);
    });
  }, 600_000);
});

/** What `albatross reconcile --prune` does with no manifest left: a deletion of every stack AWS still has. */
async function pruneAll(clients: AwsClients) {
  for (const stackId of await listClusterStacks(clients, CLUSTER)) {
    const r = await reconcileStack({ ...deletionSnapshot(stackId, 2), verify: true }, clients, opts);
    expect(r.outcome, `--prune of ${stackId}`).toBe('Succeeded');
  }
}

describe('a deletion crashed before or after the k-th AWS call, for every k, then --prune', () => {
  it('leaves nothing: no load balancer, target group, managed or backend SG, nor a rule on the nodes', async () => {
    /** A world in an account of its own with the stack made; its state before the stack. */
    const withStack = async () => {
      const { clients, world } = await isolatedWorld(endpoint, CLUSTER);
      const before = await dumpAws(clients);
      const snap = snapshotFor(threeMemberGroup({ instanceIds: world.instanceIds }));
      expect((await reconcileStack(snap, clients, opts)).outcome).toBe('Succeeded');
      return { clients, before };
    };
    await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    const reference = await withStack();
    // The world really has everything a leak could leave: the backend SG admitted on the nodes' SG.
    const full = await dumpAws(reference.clients);
    const nodeSg = `eks-cluster-sg-${CLUSTER}`;
    expect(full.loadBalancers).toHaveLength(1);
    expect(full.targetGroups).toHaveLength(3);
    expect(full.securityGroups.map((g) => g.name)).toHaveLength(3);
    expect(
      full.securityGroups.find((g) => g.name === nodeSg)?.ingress.some((r) => r.includes(':k8s-traffic-')),
    ).toBe(true);
    expect(reference.before.securityGroups).toEqual([{ name: nodeSg, ingress: [] }]);

    const clean = await reconcileStack(deletionSnapshot('shop'), reference.clients, opts);
    expect(clean.outcome).toBe('Succeeded');
    expect(await dumpAws(reference.clients)).toEqual(reference.before);
    const totalCalls = clean.apiCalls.read + clean.apiCalls.write;
    expect(clean.apiCalls.write).toBeGreaterThanOrEqual(7);

    await forEveryCall(totalCalls, async (mode, k) => {
      const { clients, before } = await withStack();
      const fault = injectFaults(clients, { failAt: (n) => (n === k ? mode : undefined) });
      const crashed = await reconcileStack(deletionSnapshot('shop'), clients, opts);
      fault.remove();
      expect(crashed.outcome, `${mode} at deletion call ${k} should have failed the run`).toBe('Failed');
      await pruneAll(clients);
      expect(await listClusterStacks(clients, CLUSTER), `stacks left after ${mode} at call ${k}`).toEqual([]);
      expect(await dumpAws(clients), `state after ${mode} at deletion call ${k} and --prune`).toEqual(before);
    });
  }, 900_000);
});

describe('throttling', () => {
  it('is retried with backoff inside the run, which ends in the clean state', async () => {
    await fresh();
    const clean = await reconcileStack(snapshot, c, opts);
    expect(clean.outcome).toBe('Succeeded');
    const want = await comparableDump();
    await fresh();
    const retrying = createAwsClients({ endpoint, region: 'us-east-1', maxAttempts: 4 });
    // Every third request is throttled once.
    const fault = injectFaults(retrying, { failAt: (n) => (n % 3 === 0 ? 'throttle' : undefined) });
    const r = await reconcileStack(snapshot, retrying, opts);
    fault.remove();
    expect(r.outcome).toBe('Succeeded');
    expect(r.throttled).toBeGreaterThan(3);
    expect(await comparableDump()).toEqual(want);
  }, 120_000);
});

describe('ownership', () => {
  it('a same-named ALB without our tags is never modified: NotOwned, naming it', async () => {
    await fresh();
    const { Subnets = [] } = await c.ec2.send(new DescribeSubnetsCommand({}));
    const name = snapshot.stack!.loadBalancer.name;
    const foreign = await c.elbv2.send(
      new CreateLoadBalancerCommand({
        Name: name,
        Subnets: Subnets.slice(0, 2).map((s) => s.SubnetId!),
        Tags: [{ Key: 'team', Value: 'other' }],
      }),
    );
    const arn = foreign.LoadBalancers![0]!.LoadBalancerArn!;
    const before = await dumpAws(c);
    const r = await reconcileStack(snapshot, c, opts);
    expect(r.outcome).toBe('Failed');
    if (r.outcome === 'Failed') {
      expect(r.error.reason).toBe('NotOwned');
      expect(r.error.resource).toBe(arn);
      expect(r.error.message).toContain(name);
    }
    expect(r.apiCalls.write).toBe(0);
    expect(await dumpAws(c)).toEqual(before);
    const tags = await c.elbv2.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
    expect(tags.TagDescriptions![0]!.Tags).toEqual([{ Key: 'team', Value: 'other' }]);
  });

  it('a same-named target group without our tags is never modified: NotOwned, naming it', async () => {
    await fresh();
    const { Subnets = [] } = await c.ec2.send(new DescribeSubnetsCommand({}));
    const tgName = snapshot.stack!.targetGroups[0]!.name;
    await c.elbv2.send(
      new CreateTargetGroupCommand({ Name: tgName, Protocol: 'HTTP', Port: 80, VpcId: Subnets[0]!.VpcId }),
    );
    const r = await reconcileStack(snapshot, c, opts);
    expect(r.outcome).toBe('Failed');
    if (r.outcome === 'Failed') {
      expect(r.error.reason).toBe('NotOwned');
      expect(r.error.resource).toBe(tgName);
    }
    const d = await dumpAws(c);
    expect(d.targetGroups.find((t) => t.name === tgName)!.tags).toEqual({});
    expect(d.loadBalancers).toHaveLength(0);
  });
});
