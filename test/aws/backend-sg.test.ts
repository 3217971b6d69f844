/**
 * The backend security group and the target security-group rules against moto, with real SDK clients:
 * EKS-like node and pod security groups are seeded by the tests (moto has none of its own).
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { CallCounter } from '../../aws/call-counter';
import { type AwsClients, createAwsClients } from '../../aws/clients';
import type { Change, Write } from '../../lambda/reconciler/changes';
import { createContext, known } from '../../lambda/reconciler/context';
import { ReconcileFailure } from '../../lambda/reconciler/errors';
import {
  BACKEND_SG_DESCRIPTION,
  type BackendSgContext,
  ensureBackendSecurityGroup,
  isPlannedGroupId,
  MANAGED_RULE_DESCRIPTION,
  releaseBackendSecurityGroup,
  syncTargetSecurityGroupRules,
} from '../../lambda/reconciler/kinds/backend-sg';
import {
  ensureBackendSg,
  releaseForDeletedStack,
  syncTargetRules,
} from '../../lambda/reconciler/kinds/backend-sg/step';
import type { StackState } from '../../lambda/reconciler/state';
import type { DesiredTargetGroup } from '../../shared/model';
import { backendSecurityGroupName } from '../../shared/names';
import { injectFaults, SimulatedCrash } from '../support/aws-faults';
import { deletionSnapshot, snapshotFor, threeMemberGroup } from '../support/group-fixture';
import { createLbcStack } from '../support/lbc-stack';

const endpoint = inject('motoEndpoint');
const CLUSTER = 'sg-cluster';
let c: AwsClients;
let vpcId: string;
let subnetId: string;

beforeAll(() => {
  c = createAwsClients({ endpoint, region: 'us-east-1', maxAttempts: 1 });
});
beforeEach(async () => {
  await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  vpcId = (await c.ec2.send(new DescribeVpcsCommand({}))).Vpcs![0]!.VpcId!;
  subnetId = (
    await c.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))
  ).Subnets![0]!.SubnetId!;
});

/** A reconcile's write seam: records every change, sends unless planning. */
function recorder(planning = false) {
  const changes: Change[] = [];
  const write: Write = async (change, send) => {
    changes.push(change);
    return planning ? undefined : send();
  };
  return { changes, write };
}

function context(planning = false): BackendSgContext & { changes: Change[]; counter: CallCounter } {
  const { changes, write } = recorder(planning);
  const counter = new CallCounter();
  counter.attach(c.ec2);
  counter.attach(c.elbv2);
  counter.attach(c.tagging);
  return { clients: c, cluster: CLUSTER, write, changes, counter, deleteDelaysMs: [10, 20] };
}

async function securityGroup(name: string, tags: Record<string, string> = {}): Promise<string> {
  const r = await c.ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: name,
      Description: name,
      VpcId: vpcId,
      ...(Object.keys(tags).length
        ? {
            TagSpecifications: [
              {
                ResourceType: 'security-group',
                Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
              },
            ],
          }
        : {}),
    }),
  );
  return r.GroupId!;
}

/** A node security group as EKS tags it. */
const nodeSecurityGroup = (name = 'eks-node') =>
  securityGroup(name, { [`kubernetes.io/cluster/${CLUSTER}`]: 'owned' });

async function nodes(count: number, groupIds: string[]): Promise<string[]> {
  const r = await c.ec2.send(
    new RunInstancesCommand({
      // One of moto's built-in AMIs (DescribeImages would take seconds to list them).
      ImageId: 'ami-12c6146b',
      InstanceType: 't3.medium',
      MinCount: count,
      MaxCount: count,
      SubnetId: subnetId,
      SecurityGroupIds: groupIds,
    }),
  );
  return r.Instances!.map((i) => i.InstanceId!);
}

/** A pod ENI as the VPC CNI makes one: a primary address and pod addresses as secondaries. */
async function podEni(groupIds: string[], primary: string, pods: string[]): Promise<string> {
  const r = await c.ec2.send(
    new CreateNetworkInterfaceCommand({
      SubnetId: subnetId,
      Groups: groupIds,
      PrivateIpAddresses: [
        { PrivateIpAddress: primary, Primary: true },
        ...pods.map((ip) => ({ PrivateIpAddress: ip, Primary: false })),
      ],
    }),
  );
  return r.NetworkInterface!.NetworkInterfaceId!;
}

const HEALTH = {
  protocol: 'HTTP' as const,
  port: 'traffic-port' as const,
  path: '/',
  intervalSeconds: 15,
  timeoutSeconds: 5,
  healthyThresholdCount: 2,
  unhealthyThresholdCount: 2,
  matcher: { httpCode: '200' },
};

function targetGroup(
  o: Partial<DesiredTargetGroup> & Pick<DesiredTargetGroup, 'port' | 'targets'>,
): DesiredTargetGroup {
  return {
    resourceId: `ns/ing-web:${o.port}`,
    name: `k8s-ns-web-${o.port}`,
    targetType: 'instance',
    protocol: 'HTTP',
    protocolVersion: 'HTTP1',
    ipAddressType: 'ipv4',
    healthCheck: HEALTH,
    attributes: {},
    tags: {},
    ...o,
  };
}

/** The target group on AWS, tagged for `stackId` as the reconciler (or the LBC) tags it. */
async function onAws(tg: DesiredTargetGroup, stackId: string): Promise<string> {
  const r = await c.elbv2.send(
    new CreateTargetGroupCommand({
      Name: tg.name,
      Protocol: tg.protocol,
      Port: tg.port,
      VpcId: vpcId,
      TargetType: tg.targetType,
      HealthCheckPort: String(tg.healthCheck.port),
      Tags: [
        { Key: 'elbv2.k8s.aws/cluster', Value: CLUSTER },
        { Key: 'ingress.k8s.aws/stack', Value: stackId },
      ],
    }),
  );
  return r.TargetGroups![0]!.TargetGroupArn!;
}

/** `tcp <from>-<to> <description>` for every rule from `source` on `groupId`. */
async function rulesFrom(groupId: string, source: string): Promise<string[]> {
  const g = (await c.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] })))
    .SecurityGroups![0]!;
  return (g.IpPermissions ?? [])
    .flatMap((p) =>
      (p.UserIdGroupPairs ?? [])
        .filter((u) => u.GroupId === source)
        .map((u) => `${p.IpProtocol} ${p.FromPort}-${p.ToPort} ${u.Description ?? ''}`.trim()),
    )
    .sort();
}

const managed = (from: number, to = from) => `tcp ${from}-${to} ${MANAGED_RULE_DESCRIPTION}`;

async function groupExists(id: string): Promise<boolean> {
  const r = await c.ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: [id] }] }),
  );
  return (r.SecurityGroups ?? []).length > 0;
}

describe('backend security group', () => {
  it('is created with the LBC name, description and tags, then found by its tags', async () => {
    const ctx = context();
    const id = await ensureBackendSecurityGroup(ctx, vpcId);
    const g = (await c.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups![0]!;
    expect(g.GroupName).toBe(backendSecurityGroupName(CLUSTER));
    expect(g.GroupName).toMatch(/^k8s-traffic-sgcluster-[0-9a-f]{10}$/);
    expect(g.Description).toBe(BACKEND_SG_DESCRIPTION);
    expect(Object.fromEntries((g.Tags ?? []).map((t) => [t.Key, t.Value]))).toEqual({
      'elbv2.k8s.aws/cluster': CLUSTER,
      'elbv2.k8s.aws/resource': 'backend-sg',
    });
    expect(g.IpPermissions ?? []).toEqual([]);
    expect(ctx.changes.map((x) => `${x.action} ${x.kind}`)).toEqual(['create BackendSecurityGroup']);

    const again = context();
    expect(await ensureBackendSecurityGroup(again, vpcId)).toBe(id);
    expect(again.changes).toEqual([]);
    expect(again.counter.snapshot()).toMatchObject({ read: 1, write: 0 });
  });

  it('refuses a same-named group without the tags (never a takeover)', async () => {
    await securityGroup(backendSecurityGroupName(CLUSTER));
    const err = await ensureBackendSecurityGroup(context(), vpcId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReconcileFailure);
    expect((err as ReconcileFailure).reason).toBe('NotOwned');
    expect((err as ReconcileFailure).message).toContain(backendSecurityGroupName(CLUSTER));
  });

  it('planning records the create, sends nothing and answers a placeholder id', async () => {
    const ctx = context(true);
    const id = await ensureBackendSecurityGroup(ctx, vpcId);
    expect(isPlannedGroupId(id)).toBe(true);
    expect(ctx.changes.map((x) => `${x.action} ${x.kind} ${x.resource}`)).toEqual([
      `create BackendSecurityGroup ${backendSecurityGroupName(CLUSTER)}`,
    ]);
    expect(ctx.counter.snapshot().write).toBe(0);
    const sgs = (await c.ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? [];
    expect(sgs.some((g) => g.GroupName === backendSecurityGroupName(CLUSTER))).toBe(false);
  });
});

describe('target security-group rules', () => {
  it('instance mode: the node SG admits the backend SG on the nodePort and the health-check port; a rerun reads 2 and writes 0', async () => {
    const node = await nodeSecurityGroup();
    const ids = await nodes(2, [node]);
    const ctx = context();
    const backend = await ensureBackendSecurityGroup(ctx, vpcId);
    const tgs = [
      targetGroup({
        port: 30080,
        targets: ids.map((id) => ({ id, port: 30080 })),
        healthCheck: { ...HEALTH, port: 10254 },
      }),
      targetGroup({ port: 30081, targets: ids.map((id) => ({ id, port: 30081 })) }),
    ];
    const r = await syncTargetSecurityGroupRules(ctx, {
      backendSgId: backend,
      targetGroups: tgs,
      vpcId,
      stackId: 'a',
      mayRevoke: false,
    });
    expect(r).toMatchObject({
      targetSecurityGroups: [node],
      unresolvedTargets: [],
      authorized: 3,
      revoked: 0,
    });
    expect(await rulesFrom(node, backend)).toEqual([managed(10254), managed(30080), managed(30081)]);

    const again = context();
    await syncTargetSecurityGroupRules(again, {
      backendSgId: backend,
      targetGroups: tgs,
      vpcId,
      stackId: 'a',
      mayRevoke: false,
    });
    expect(again.changes).toEqual([]);
    expect(again.counter.snapshot()).toMatchObject({ read: 2, write: 0 });
  });

  it("ip mode: the pod ENIs' SG admits the backend SG on each target port (named targetPort: the target group port is 1)", async () => {
    const pods = await securityGroup('eks-pods', { [`kubernetes.io/cluster/${CLUSTER}`]: 'owned' });
    const other = await securityGroup('extra');
    await podEni([pods], '172.31.0.10', ['172.31.0.11', '172.31.0.12']);
    // A branch ENI (security groups for pods): the pod's address is the primary one; two groups, one tagged.
    await podEni([pods, other], '172.31.0.20', []);
    const ctx = context();
    const backend = await ensureBackendSecurityGroup(ctx, vpcId);
    const tg = targetGroup({
      targetType: 'ip',
      port: 1,
      targets: [
        { id: '172.31.0.11', port: 8080 },
        { id: '172.31.0.12', port: 8080 },
        { id: '172.31.0.20', port: 9090 },
        { id: '172.31.0.99', port: 8080 },
      ],
      healthCheck: { ...HEALTH, port: 8081 },
    });
    const r = await syncTargetSecurityGroupRules(ctx, {
      backendSgId: backend,
      targetGroups: [tg],
      vpcId,
      stackId: 'a',
      mayRevoke: false,
    });
    expect(r.unresolvedTargets).toEqual(['172.31.0.99']);
    expect(await rulesFrom(pods, backend)).toEqual([managed(8080), managed(8081), managed(9090)]);
    expect(await rulesFrom(other, backend)).toEqual([]);
  });

  it("a second stack sharing the node SG keeps its rules when the first stack's target group goes", async () => {
    const node = await nodeSecurityGroup();
    const ids = await nodes(1, [node]);
    const ctx = context();
    const backend = await ensureBackendSecurityGroup(ctx, vpcId);
    const hc = { ...HEALTH, port: 10254 };
    const a = targetGroup({ port: 30080, targets: [{ id: ids[0]!, port: 30080 }], healthCheck: hc });
    const b = targetGroup({ port: 30090, targets: [{ id: ids[0]!, port: 30090 }], healthCheck: hc });
    const aArn = await onAws(a, 'stack-a');
    await onAws(b, 'stack-b');
    for (const [stackId, tg] of [
      ['stack-a', a],
      ['stack-b', b],
    ] as const)
      await syncTargetSecurityGroupRules(ctx, {
        backendSgId: backend,
        targetGroups: [tg],
        vpcId,
        stackId,
        mayRevoke: false,
      });
    expect(await rulesFrom(node, backend)).toEqual([managed(10254), managed(30080), managed(30090)]);

    // Stack a is deleted: its target group goes, then its rules are reconciled with revocation allowed.
    await c.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: aArn }));
    const del = context();
    const r = await syncTargetSecurityGroupRules(del, {
      backendSgId: backend,
      targetGroups: [],
      vpcId,
      stackId: 'stack-a',
      mayRevoke: true,
    });
    expect(r.revoked).toBe(1);
    // 30080 went; b's traffic port and the health-check port both stacks use stayed.
    expect(await rulesFrom(node, backend)).toEqual([managed(10254), managed(30090)]);
    expect(del.changes.map((x) => x.detail)).toEqual([`revoke tcp 30080 from ${backend}`]);
  });

  it('a port change revokes the old port only when no other target group of the cluster needs it', async () => {
    const node = await nodeSecurityGroup();
    const ids = await nodes(1, [node]);
    const ctx = context();
    const backend = await ensureBackendSecurityGroup(ctx, vpcId);
    const before = targetGroup({ port: 30080, targets: [{ id: ids[0]!, port: 30080 }] });
    await syncTargetSecurityGroupRules(ctx, {
      backendSgId: backend,
      targetGroups: [before],
      vpcId,
      stackId: 'a',
      mayRevoke: false,
    });
    // The old target group is still on AWS (deleted later in the run): it belongs to this stack, so it
    // does not count as needed.
    await onAws(before, 'a');
    const after = targetGroup({ port: 30085, targets: [{ id: ids[0]!, port: 30085 }] });
    await syncTargetSecurityGroupRules(ctx, {
      backendSgId: backend,
      targetGroups: [after],
      vpcId,
      stackId: 'a',
      mayRevoke: true,
    });
    expect(await rulesFrom(node, backend)).toEqual([managed(30085)]);
  });

  it('a node with two security groups, none tagged for the cluster, is a Conflict naming the ENI and both groups', async () => {
    const g1 = await securityGroup('one');
    const g2 = await securityGroup('two');
    const ids = await nodes(1, [g1, g2]);
    const ctx = context();
    const backend = await ensureBackendSecurityGroup(ctx, vpcId);
    const err = await syncTargetSecurityGroupRules(ctx, {
      backendSgId: backend,
      targetGroups: [targetGroup({ port: 30080, targets: [{ id: ids[0]!, port: 30080 }] })],
      vpcId,
      stackId: 'a',
      mayRevoke: false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReconcileFailure);
    const f = err as ReconcileFailure;
    expect(f.reason).toBe('Conflict');
    expect(f.resource).toMatch(/^eni-/);
    expect(f.message).toContain(f.resource!);
    expect(f.message).toContain(g1);
    expect(f.message).toContain(g2);
    expect(f.message).toContain(`kubernetes.io/cluster/${CLUSTER}`);
  });

  it('a user-made rule on the node SG is never revoked, and release refuses to delete the backend SG it names', async () => {
    const node = await nodeSecurityGroup();
    const ids = await nodes(1, [node]);
    const ctx = context();
    const backend = await ensureBackendSecurityGroup(ctx, vpcId);
    await c.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: node,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 9100,
            ToPort: 9100,
            UserIdGroupPairs: [{ GroupId: backend, Description: 'metrics, by hand' }],
          },
          { IpProtocol: 'tcp', FromPort: 30080, ToPort: 30080, UserIdGroupPairs: [{ GroupId: backend }] },
        ],
      }),
    );
    const tg = targetGroup({ port: 30080, targets: [{ id: ids[0]!, port: 30080 }] });
    const first = await syncTargetSecurityGroupRules(ctx, {
      backendSgId: backend,
      targetGroups: [tg],
      vpcId,
      stackId: 'a',
      mayRevoke: true,
    });
    // The user's 30080 rule already covers the need: nothing added, nothing revoked.
    expect(first).toMatchObject({ authorized: 0, revoked: 0 });
    await syncTargetSecurityGroupRules(ctx, {
      backendSgId: backend,
      targetGroups: [],
      vpcId,
      stackId: 'a',
      mayRevoke: true,
    });
    expect(await rulesFrom(node, backend)).toEqual(['tcp 30080-30080', 'tcp 9100-9100 metrics, by hand']);

    const err = await releaseBackendSecurityGroup(context(), vpcId).catch((e: unknown) => e);
    expect((err as ReconcileFailure).reason).toBe('Conflict');
    expect((err as ReconcileFailure).message).toContain(node);
    expect(await rulesFrom(node, backend)).toEqual(['tcp 30080-30080', 'tcp 9100-9100 metrics, by hand']);
    expect(await groupExists(backend)).toBe(true);
  });

  it('an LBC-made setup (backend SG and its range rule) is adopted with zero writes', async () => {
    const node = await nodeSecurityGroup();
    const ids = await nodes(2, [node]);
    // As the LBC leaves it: its backend SG, and one range rule per (node SG, protocol, source) spanning
    // every port its target group bindings need.
    const backend = await securityGroup(backendSecurityGroupName(CLUSTER), {
      'elbv2.k8s.aws/cluster': CLUSTER,
      'elbv2.k8s.aws/resource': 'backend-sg',
    });
    await c.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: node,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 10254,
            ToPort: 30081,
            UserIdGroupPairs: [{ GroupId: backend, Description: MANAGED_RULE_DESCRIPTION }],
          },
        ],
      }),
    );
    const tgs = [
      targetGroup({
        port: 30080,
        targets: ids.map((id) => ({ id, port: 30080 })),
        healthCheck: { ...HEALTH, port: 10254 },
      }),
      targetGroup({ port: 30081, targets: ids.map((id) => ({ id, port: 30081 })) }),
    ];
    for (const tg of tgs) await onAws(tg, 'a');
    const ctx = context();
    expect(await ensureBackendSecurityGroup(ctx, vpcId)).toBe(backend);
    await syncTargetSecurityGroupRules(ctx, {
      backendSgId: backend,
      targetGroups: tgs,
      vpcId,
      stackId: 'a',
      mayRevoke: true,
    });
    expect(ctx.changes).toEqual([]);
    expect(ctx.counter.snapshot().write).toBe(0);
    expect(await rulesFrom(node, backend)).toEqual([managed(10254, 30081)]);
  });

  it('planning records the rules it would add and sends nothing', async () => {
    const node = await nodeSecurityGroup();
    const ids = await nodes(1, [node]);
    const ctx = context(true);
    const backend = await ensureBackendSecurityGroup(ctx, vpcId);
    await syncTargetSecurityGroupRules(ctx, {
      backendSgId: backend,
      targetGroups: [targetGroup({ port: 30080, targets: [{ id: ids[0]!, port: 30080 }] })],
      vpcId,
      stackId: 'a',
      mayRevoke: true,
    });
    expect(ctx.changes.map((x) => `${x.action} ${x.kind} ${x.resource}`)).toEqual([
      `create BackendSecurityGroup ${backendSecurityGroupName(CLUSTER)}`,
      `create TargetSecurityGroupRule ${node}`,
    ]);
    expect(ctx.counter.snapshot().write).toBe(0);
  });
});

describe('release', () => {
  it('keeps the backend SG while a load balancer uses it; then revokes its rules and deletes it', async () => {
    const node = await nodeSecurityGroup();
    const ids = await nodes(1, [node]);
    const ctx = context();
    const backend = await ensureBackendSecurityGroup(ctx, vpcId);
    const tg = targetGroup({
      port: 30080,
      targets: [{ id: ids[0]!, port: 30080 }],
      healthCheck: { ...HEALTH, port: 10254 },
    });
    await syncTargetSecurityGroupRules(ctx, {
      backendSgId: backend,
      targetGroups: [tg],
      vpcId,
      stackId: 'a',
      mayRevoke: false,
    });
    const subnets = (
      await c.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))
    ).Subnets!;
    await c.elbv2.send(
      new CreateLoadBalancerCommand({
        Name: 'k8s-other-stack',
        Subnets: [subnets[0]!.SubnetId!, subnets[1]!.SubnetId!],
        SecurityGroups: [backend],
        Scheme: 'internal',
      }),
    );
    expect(await releaseBackendSecurityGroup(context(), vpcId)).toEqual({
      outcome: 'in-use',
      groupId: backend,
      loadBalancers: ['k8s-other-stack'],
    });
    expect(await rulesFrom(node, backend)).toHaveLength(2);

    const { DescribeLoadBalancersCommand, DeleteLoadBalancerCommand } = await import(
      '@aws-sdk/client-elastic-load-balancing-v2'
    );
    const lb = (await c.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers![0]!;
    await c.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    const rel = context();
    expect(await releaseBackendSecurityGroup(rel, vpcId)).toEqual({
      outcome: 'deleted',
      groupIds: [backend],
    });
    expect(rel.changes.map((x) => `${x.action} ${x.kind}`)).toEqual([
      'delete TargetSecurityGroupRule',
      'delete BackendSecurityGroup',
    ]);
    expect(await rulesFrom(node, backend)).toEqual([]);
    expect(await groupExists(backend)).toBe(false);
    expect(await releaseBackendSecurityGroup(context(), vpcId)).toEqual({ outcome: 'absent' });
  });
});

describe('an LBC-shaped stack (test support for adoption tests)', () => {
  it('carries the LBC tags and both security groups, and its target rules need no write from us', async () => {
    const node = await nodeSecurityGroup();
    const ids = await nodes(2, [node]);
    const built = snapshotFor(threeMemberGroup()).stack!;
    // The fixture's nodes are not moto instances: point the targets at real ones.
    const stack = {
      ...built,
      targetGroups: built.targetGroups.map((tg) => ({
        ...tg,
        targets: ids.map((id) => ({ id, port: tg.port })),
      })),
    };
    const subnets = (
      await c.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))
    )
      .Subnets!.slice(0, 2)
      .map((s) => s.SubnetId!);
    const cluster = 'test-cluster';
    const lbc = await createLbcStack(c, {
      cluster,
      stack,
      vpcId,
      subnetIds: subnets,
      targetSecurityGroupIds: [node],
    });

    const { DescribeLoadBalancersCommand, DescribeTagsCommand } = await import(
      '@aws-sdk/client-elastic-load-balancing-v2'
    );
    const lb = (
      await c.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbc.loadBalancerArn] }))
    ).LoadBalancers![0]!;
    expect(lb.SecurityGroups?.sort()).toEqual(
      [lbc.managedSecurityGroupId, lbc.backendSecurityGroupId].sort(),
    );
    const tags = (
      await c.elbv2.send(
        new DescribeTagsCommand({ ResourceArns: [lbc.loadBalancerArn, ...lbc.listenerArns.values()] }),
      )
    ).TagDescriptions!.map((d) => Object.fromEntries((d.Tags ?? []).map((t) => [t.Key, t.Value])));
    for (const t of tags) {
      expect(t).toMatchObject({ 'elbv2.k8s.aws/cluster': cluster, 'ingress.k8s.aws/stack': 'shop' });
      expect(t['albatross.dev/digest']).toBeUndefined();
    }
    const ports = stack.targetGroups.map((tg) => tg.port).sort();
    expect(await rulesFrom(node, lbc.backendSecurityGroupId!)).toEqual([managed(ports[0]!, ports.at(-1)!)]);

    const { changes, write } = recorder();
    const ctx = { clients: c, cluster, write };
    expect(await ensureBackendSecurityGroup(ctx, vpcId)).toBe(lbc.backendSecurityGroupId);
    await syncTargetSecurityGroupRules(ctx, {
      backendSgId: lbc.backendSecurityGroupId!,
      targetGroups: stack.targetGroups,
      vpcId,
      stackId: 'shop',
      mayRevoke: true,
    });
    expect(changes).toEqual([]);
  });
});

describe('as steps of the deployment order', () => {
  it('adds the backend SG beside the managed one, opens the nodes to it, and a deletion releases both', async () => {
    const node = await nodeSecurityGroup();
    const ids = await nodes(2, [node]);
    const snapshot = snapshotFor(threeMemberGroup());
    const desired = {
      ...snapshot.stack!,
      targetGroups: snapshot.stack!.targetGroups.map((tg) => ({
        ...tg,
        targets: ids.map((id) => ({ id, port: tg.port })),
      })),
    };
    const ctx = createContext(
      c,
      { ...snapshot, stack: desired },
      { cluster: 'test-cluster', deleteRetryDelaysMs: [10] },
      false,
    );
    const st: StackState = {
      desired,
      scope: { kind: 'all' },
      tagged: [],
      current: undefined,
      lb: undefined,
      lbRef: known('arn:placeholder'),
      replaced: [],
      subnets: undefined,
      vpcId,
      securityGroups: [known('sg-managed')],
      targetGroups: new Map(),
      externalTargetGroups: new Map(),
    };
    await ensureBackendSg(ctx, st);
    expect(st.securityGroups).toHaveLength(2);
    const backend = (st.securityGroups[1] as { id: string }).id;
    await syncTargetRules(ctx, st);
    expect(await rulesFrom(node, backend)).toEqual([managed(30080), managed(30081), managed(30082)]);
    expect(ctx.changes.map((x) => x.kind)).toEqual(['BackendSecurityGroup', 'TargetSecurityGroupRule']);

    // A listener-only run touches neither.
    const listenersOnly = {
      ...st,
      scope: { kind: 'parts' as const, parts: new Set(['l80' as const]) },
      securityGroups: [],
    };
    const quiet = createContext(c, snapshot, { cluster: 'test-cluster' }, false);
    await ensureBackendSg(quiet, listenersOnly);
    await syncTargetRules(quiet, listenersOnly);
    expect(listenersOnly.securityGroups).toEqual([]);
    expect(quiet.changes).toEqual([]);

    const del = createContext(
      c,
      deletionSnapshot('shop'),
      { cluster: 'test-cluster', deleteRetryDelaysMs: [10] },
      false,
    );
    expect(await releaseForDeletedStack(del)).toEqual({ outcome: 'deleted', groupIds: [backend] });
    expect(await rulesFrom(node, backend)).toEqual([]);
    expect(await groupExists(backend)).toBe(false);
  });
});

describe('lost answers and racing reconciles', () => {
  it('two reconciles authorizing the same rules at once both succeed, with each rule once', async () => {
    const node = await nodeSecurityGroup();
    const ids = await nodes(1, [node]);
    const backend = await ensureBackendSecurityGroup(context(), vpcId);
    const tg = targetGroup({
      port: 30080,
      targets: [{ id: ids[0]!, port: 30080 }],
      healthCheck: { ...HEALTH, port: 10254 },
    });
    const run = () =>
      syncTargetSecurityGroupRules(context(), {
        backendSgId: backend,
        targetGroups: [tg],
        vpcId,
        stackId: 'a',
        mayRevoke: false,
      });
    const results = await Promise.all([run(), run()]);
    expect(results.map((r) => r.authorized).reduce((a, b) => a + b)).toBe(2);
    expect(await rulesFrom(node, backend)).toEqual([managed(10254), managed(30080)]);
  });

  it('an authorize whose answer was lost is finished by the retry, which writes nothing', async () => {
    const node = await nodeSecurityGroup();
    const ids = await nodes(1, [node]);
    const backend = await ensureBackendSecurityGroup(context(), vpcId);
    const tg = targetGroup({ port: 30080, targets: [{ id: ids[0]!, port: 30080 }] });
    const input = { backendSgId: backend, targetGroups: [tg], vpcId, stackId: 'a', mayRevoke: false };
    const faults = injectFaults(c, {
      failAt: (_n, command) =>
        command === 'AuthorizeSecurityGroupIngressCommand' ? 'crash-after' : undefined,
    });
    try {
      await expect(syncTargetSecurityGroupRules(context(), input)).rejects.toBeInstanceOf(SimulatedCrash);
    } finally {
      faults.remove();
    }
    const retry = context();
    await syncTargetSecurityGroupRules(retry, input);
    expect(retry.changes).toEqual([]);
    expect(await rulesFrom(node, backend)).toEqual([managed(30080)]);
  });
});
