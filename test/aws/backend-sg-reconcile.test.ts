/**
 * The backend SG and target rules through the whole reconciler (reconcileStack against moto): both
 * modes, a full prune, and the adoption of an LBC-made stack.
 */
import {
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { seedLocalWorld } from '../../cli/dev/seed';
import { type AwsClients, createAwsClients, planStack, reconcileStack } from '../../lambda/reconciler/index';
import { MANAGED_RULE_DESCRIPTION } from '../../lambda/reconciler/kinds/backend-sg';
import type { ClusterObjects } from '../../shared/cluster';
import type { StackSnapshot } from '../../shared/messages';
import { backendSecurityGroupName } from '../../shared/names';
import {
  CLUSTER,
  deletionSnapshot,
  endpointSlice,
  NAMESPACES,
  snapshotFor,
  threeMemberGroup,
} from '../support/group-fixture';
import { createLbcStack } from '../support/lbc-stack';

const endpoint = inject('motoEndpoint');
const opts = { cluster: CLUSTER, deleteRetryDelaysMs: [10, 10] };
let c: AwsClients;
let vpcId: string;
let subnetIds: string[];
let instanceIds: string[];

beforeAll(() => {
  c = createAwsClients({ endpoint, region: 'us-east-1', maxAttempts: 1 });
});
beforeEach(async () => {
  await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  ({ vpcId, subnetIds, instanceIds } = await seedLocalWorld({ endpoint, region: 'us-east-1' }, CLUSTER));
});

async function clusterSecurityGroup(name: string): Promise<string> {
  const r = await c.ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: name,
      Description: name,
      VpcId: vpcId,
      TagSpecifications: [
        {
          ResourceType: 'security-group',
          Tags: [{ Key: `kubernetes.io/cluster/${CLUSTER}`, Value: 'owned' }],
        },
      ],
    }),
  );
  return r.GroupId!;
}

/** The fixture group on the seeded world's nodes, which sit behind its EKS-like cluster SG. */
async function instanceGroup(): Promise<{ objects: ClusterObjects; nodeSg: string }> {
  const r = await c.ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [{ Name: 'group-name', Values: [`eks-cluster-sg-${CLUSTER}`] }],
    }),
  );
  return { objects: threeMemberGroup({ instanceIds }), nodeSg: r.SecurityGroups![0]!.GroupId! };
}

async function rulesFrom(groupId: string, source: string): Promise<string[]> {
  const g = (await c.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] })))
    .SecurityGroups![0]!;
  return (g.IpPermissions ?? [])
    .flatMap((p) =>
      (p.UserIdGroupPairs ?? [])
        .filter((u) => u.GroupId === source)
        .map((u) => `${p.FromPort}-${p.ToPort} ${u.Description ?? ''}`.trim()),
    )
    .sort();
}

async function backendSg(): Promise<string | undefined> {
  const r = await c.ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [{ Name: 'group-name', Values: [backendSecurityGroupName(CLUSTER)] }],
    }),
  );
  return r.SecurityGroups?.[0]?.GroupId;
}

async function converge(s: StackSnapshot) {
  const r = await reconcileStack(s, c, opts);
  if (r.outcome === 'Failed') throw new Error(`reconcile failed: ${JSON.stringify(r.error)}`);
  const again = await reconcileStack({ ...s, verify: true }, c, opts);
  expect(again.outcome).toBe('Succeeded');
  expect(again.changes).toEqual([]);
  return r;
}

const lbSecurityGroups = async () =>
  ((await c.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? []).flatMap(
    (lb) => lb.SecurityGroups ?? [],
  );

describe('through reconcileStack', () => {
  it('instance mode: the ALB carries managed + backend SG; the node SG admits the backend SG on every nodePort', async () => {
    const { objects, nodeSg } = await instanceGroup();
    await converge(snapshotFor(objects));
    const backend = (await backendSg())!;
    expect(backend).toBeDefined();
    const sgs = await lbSecurityGroups();
    expect(sgs).toHaveLength(2);
    expect(sgs).toContain(backend);
    expect(await rulesFrom(nodeSg, backend)).toEqual(
      [30080, 30081, 30082].map((p) => `${p}-${p} ${MANAGED_RULE_DESCRIPTION}`),
    );
  });

  it('explicit security-groups: the user owns the path, unless manage-backend-security-group-rules says otherwise', async () => {
    const { objects, nodeSg } = await instanceGroup();
    const mine = await clusterSecurityGroup('team-alb');
    for (const i of objects.ingresses)
      i.metadata!.annotations!['alb.ingress.kubernetes.io/security-groups'] = mine;
    await converge(snapshotFor(objects));
    expect(await lbSecurityGroups()).toEqual([mine]);
    expect(await backendSg()).toBeUndefined();
    for (const i of objects.ingresses)
      i.metadata!.annotations!['alb.ingress.kubernetes.io/manage-backend-security-group-rules'] = 'true';
    const s = snapshotFor(objects);
    expect(s.stack!.loadBalancer.manageBackendSecurityGroupRules).toBe(true);
    await converge(s);
    const backend = (await backendSg())!;
    expect((await lbSecurityGroups()).sort()).toEqual([mine, backend].sort());
    expect(await rulesFrom(nodeSg, backend)).toEqual(
      [30080, 30081, 30082].map((p) => `${p}-${p} ${MANAGED_RULE_DESCRIPTION}`),
    );
  });

  it("ip mode: the pod ENIs' SG admits the backend SG on the pods' port", async () => {
    const podSg = await clusterSecurityGroup('eks-pods');
    const ips = NAMESPACES.map((_, i) => [`172.31.1.${10 + 2 * i}`, `172.31.1.${11 + 2 * i}`]);
    await c.ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: (
          await c.ec2.send(
            new DescribeSubnetsCommand({ Filters: [{ Name: 'cidr-block', Values: ['172.31.0.0/20'] }] }),
          )
        ).Subnets![0]!.SubnetId,
        Groups: [podSg],
        PrivateIpAddresses: [
          { PrivateIpAddress: '172.31.1.5', Primary: true },
          ...ips.flat().map((ip) => ({ PrivateIpAddress: ip, Primary: false })),
        ],
      }),
    );
    const objects = threeMemberGroup({
      shared: { 'alb.ingress.kubernetes.io/target-type': 'ip' },
      serviceType: 'ClusterIP',
    });
    objects.endpointSlices = NAMESPACES.map((ns, i) => endpointSlice(ns, ips[i]!));
    await converge(snapshotFor(objects));
    const backend = (await backendSg())!;
    expect(await rulesFrom(podSg, backend)).toEqual([`8080-8080 ${MANAGED_RULE_DESCRIPTION}`]);
  });

  it('a full prune leaves neither rules nor the backend SG', async () => {
    const { objects, nodeSg } = await instanceGroup();
    await converge(snapshotFor(objects));
    const backend = (await backendSg())!;
    const r = await reconcileStack(deletionSnapshot('shop'), c, opts);
    expect(r.outcome).toBe('Succeeded');
    expect(await rulesFrom(nodeSg, backend)).toEqual([]);
    expect(await backendSg()).toBeUndefined();
    expect(await lbSecurityGroups()).toEqual([]);
  });

  it('an LBC-made stack for the same Ingresses is adopted with exactly one write (the digest tag)', async () => {
    const { objects, nodeSg } = await instanceGroup();
    const snapshot = snapshotFor(objects);
    const lbc = await createLbcStack(c, {
      cluster: CLUSTER,
      stack: snapshot.stack!,
      vpcId,
      subnetIds: subnetIds.slice(0, 3),
      targetSecurityGroupIds: [nodeSg],
    });
    // A plan shows no change but the tags that record what was applied.
    const digestOnly = [
      {
        action: 'update',
        kind: 'Tags',
        resource: snapshot.stack!.loadBalancer.name,
        detail: 'LoadBalancer tags albatross.dev/digest, albatross.dev/parts',
      },
    ];
    const plan = await planStack(snapshot, c, opts);
    if (plan.outcome === 'Failed') throw new Error(JSON.stringify(plan.error));
    expect(plan.changes).toEqual(digestOnly);
    const rangeRule = await rulesFrom(nodeSg, lbc.backendSecurityGroupId!);
    const r = await reconcileStack(snapshot, c, opts);
    if (r.outcome === 'Failed') throw new Error(JSON.stringify(r.error));
    expect(r.changes).toEqual(digestOnly);
    expect(r.apiCalls.write).toBe(1);
    // The LBC's backend SG stays on the ALB, and its range rule is taken as it is.
    expect(await lbSecurityGroups()).toContain(lbc.backendSecurityGroupId);
    expect(await rulesFrom(nodeSg, lbc.backendSecurityGroupId!)).toEqual(rangeRule);
    expect(rangeRule).toEqual([`30080-30082 ${MANAGED_RULE_DESCRIPTION}`]);
  });
});
