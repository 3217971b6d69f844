/**
 * The part of local mode's seeded world that a reconcile reads — discoverable subnets and the nodes with
 * their cluster-tagged security group — after a full emulator reset, in 4 calls. `seedLocalWorld` also
 * imports an ACM certificate (an openssl run) and makes the queues: suites that reseed once per case
 * (the crash suites, dozens of times) use this instead, each case in an account of its own.
 */
import {
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DescribeSubnetsCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { type AwsClients, createAwsClients } from '../../aws/clients';
import { kubernetesClusterTag } from '../../shared/tags';

export interface ReconcilerWorld {
  vpcId: string;
  subnetIds: string[];
  instanceIds: string[];
}

/** One of moto's bundled images: RunInstances checks that the AMI exists. */
const MOTO_IMAGE = 'ami-12c6146b';

export async function resetReconcilerWorld(
  endpoint: string,
  c: AwsClients,
  cluster: string,
): Promise<ReconcilerWorld> {
  const reset = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!reset.ok) throw new Error(`moto reset answered HTTP ${reset.status}`);
  return seedReconcilerWorld(c, cluster);
}

let lastAccount = 100_000_000_000;

/**
 * Clients (one call attempt each) for an account of their own in the emulator (`x-moto-account-id`),
 * seeded: a world no other case sees, without resetting the ones that run beside it.
 */
export async function isolatedWorld(
  endpoint: string,
  cluster: string,
): Promise<{ clients: AwsClients; world: ReconcilerWorld }> {
  const account = String(++lastAccount);
  const clients = createAwsClients({ endpoint, region: 'us-east-1', maxAttempts: 1 });
  for (const client of [clients.elbv2, clients.ec2, clients.tagging, clients.acm, clients.wafv2]) {
    (client?.middlewareStack as AwsClients['elbv2']['middlewareStack'] | undefined)?.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers['x-moto-account-id'] = account;
        return next(args);
      },
      { step: 'build', name: 'motoAccount' },
    );
  }
  return { clients, world: await seedReconcilerWorld(clients, cluster) };
}

/** The world's seed into the account `c` talks to (a reset or new one: moto's default VPC only). */
export async function seedReconcilerWorld(c: AwsClients, cluster: string): Promise<ReconcilerWorld> {
  const { Subnets = [] } = await c.ec2.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }),
  );
  const byZone = new Map<string, { id: string; vpcId: string }>();
  for (const s of [...Subnets].sort((a, b) => (a.SubnetId ?? '').localeCompare(b.SubnetId ?? ''))) {
    if (s.AvailabilityZone && s.SubnetId && s.VpcId && !byZone.has(s.AvailabilityZone))
      byZone.set(s.AvailabilityZone, { id: s.SubnetId, vpcId: s.VpcId });
  }
  const picked = [...byZone.values()].slice(0, 3);
  const vpcId = picked[0]?.vpcId;
  if (!vpcId) throw new Error('the emulator has no default subnets');
  const subnetIds = picked.map((s) => s.id);
  await c.ec2.send(
    new CreateTagsCommand({
      Resources: subnetIds,
      Tags: [
        { Key: 'kubernetes.io/role/elb', Value: '1' },
        { Key: 'kubernetes.io/role/internal-elb', Value: '1' },
        { Key: kubernetesClusterTag(cluster), Value: 'owned' },
      ],
    }),
  );
  const clusterTag = [{ Key: kubernetesClusterTag(cluster), Value: 'owned' }];
  const { GroupId } = await c.ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `eks-cluster-sg-${cluster}`,
      Description: 'EKS created security group for the nodes',
      VpcId: vpcId,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: clusterTag }],
    }),
  );
  if (!GroupId) throw new Error('the emulator did not create the node security group');
  const { Instances = [] } = await c.ec2.send(
    new RunInstancesCommand({
      ImageId: MOTO_IMAGE,
      InstanceType: 't3.medium',
      MinCount: 3,
      MaxCount: 3,
      SubnetId: subnetIds[0],
      SecurityGroupIds: [GroupId],
      TagSpecifications: [{ ResourceType: 'instance', Tags: clusterTag }],
    }),
  );
  const instanceIds = Instances.flatMap((i) => (i.InstanceId ? [i.InstanceId] : []));
  return { vpcId, subnetIds, instanceIds };
}
