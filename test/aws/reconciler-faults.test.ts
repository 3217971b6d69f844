/**
 * Idempotency under failure (SPEC §6.2.9): a reconcile that dies at any call, then runs again, ends in the
 * state a clean run makes, with nothing leaked. Throttling is retried inside the run. Resources without
 * our tags are never touched.
 */

import { DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import {
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeTagsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { seedLocalWorld } from '../../cli/dev/seed';
import { type AwsClients, createAwsClients, reconcileStack } from '../../lambda/reconciler/index';
import { injectFaults } from '../support/aws-faults';
import { type AwsDump, dumpAws } from '../support/aws-state';
import { CLUSTER, snapshotFor, threeMemberGroup } from '../support/group-fixture';

const endpoint = inject('motoEndpoint');
const opts = { cluster: CLUSTER, deleteRetryDelaysMs: [10, 10] };
let c: AwsClients;

beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  c = createAwsClients({ endpoint, region: 'us-east-1', maxAttempts: 1 });
});

async function fresh() {
  await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  await seedLocalWorld({ endpoint, region: 'us-east-1' }, CLUSTER);
}

/** Names and content only: ids, ARNs and DNS names differ between worlds. */
function comparable(d: AwsDump) {
  return {
    ...d,
    loadBalancers: d.loadBalancers.map(({ subnets, ...rest }) => ({ ...rest, subnets: subnets.length })),
  };
}

const snapshot = snapshotFor(threeMemberGroup());

describe('a crash before or after the k-th AWS call, for every k', () => {
  it('ends, after a retry, exactly where a clean run ends, with nothing leaked', async () => {
    await fresh();
    const clean = await reconcileStack(snapshot, c, opts);
    expect(clean.outcome).toBe('Succeeded');
    const totalCalls = clean.apiCalls.read + clean.apiCalls.write;
    const want = comparable(await dumpAws(c));
    expect(totalCalls).toBeGreaterThan(10);

    for (const mode of ['crash', 'crash-after'] as const) {
      for (let k = 1; k <= totalCalls; k++) {
        await fresh();
        const fault = injectFaults(c, { failAt: (n) => (n === k ? mode : undefined) });
        const crashed = await reconcileStack(snapshot, c, opts);
        fault.remove();
        expect(crashed.outcome, `${mode} at call ${k} should have failed the run`).toBe('Failed');
        const retried = await reconcileStack(snapshot, c, opts);
        // A crash after the last write (the digest tag) leaves nothing to do: the retry may skip.
        expect(['Succeeded', 'Skipped'], `retry after ${mode} at call ${k}`).toContain(retried.outcome);
        expect(comparable(await dumpAws(c)), `state after ${mode} at call ${k}`).toEqual(want);
      }
    }
  }, 600_000);
});

describe('throttling', () => {
  it('is retried with backoff inside the run, which ends in the clean state', async () => {
    await fresh();
    const clean = await reconcileStack(snapshot, c, opts);
    expect(clean.outcome).toBe('Succeeded');
    const want = comparable(await dumpAws(c));
    await fresh();
    const retrying = createAwsClients({ endpoint, region: 'us-east-1', maxAttempts: 4 });
    // Every third request is throttled once.
    const fault = injectFaults(retrying, { failAt: (n) => (n % 3 === 0 ? 'throttle' : undefined) });
    const r = await reconcileStack(snapshot, retrying, opts);
    fault.remove();
    expect(r.outcome).toBe('Succeeded');
    expect(r.throttled).toBeGreaterThan(3);
    expect(comparable(await dumpAws(c))).toEqual(want);
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
