/**
 * Local mode's AWS side: a VPC whose subnets carry the discovery tags, a few instances to stand in for
 * nodes, an ACM certificate for the HTTPS example, and the three queues the product runs on.
 */
import { ACMClient, ImportCertificateCommand } from '@aws-sdk/client-acm';
import {
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { selfSignedCertificate } from './certs';

/** The local snapshot queue's maxReceiveCount, as in the CDK app; the reconciler needs it to move its last failure. */
export const LOCAL_MAX_RECEIVE_COUNT = 5;

export interface AwsEndpointConfig {
  endpoint?: string;
  region: string;
}

export interface SeededWorld {
  vpcId: string;
  subnetIds: string[];
  instanceIds: string[];
  certificateArn: string;
  queueUrl: string;
  dlqUrl: string;
  resultsQueueUrl: string;
}

const clientConfig = (c: AwsEndpointConfig) => ({
  region: c.region,
  ...(c.endpoint ? { endpoint: c.endpoint } : {}),
});

export async function seedLocalWorld(aws: AwsEndpointConfig, clusterName: string): Promise<SeededWorld> {
  const ec2 = new EC2Client(clientConfig(aws));
  const sqs = new SQSClient(clientConfig(aws));
  const acm = new ACMClient(clientConfig(aws));

  const { Vpcs = [] } = await ec2.send(
    new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }),
  );
  const vpcId = Vpcs[0]?.VpcId;
  if (!vpcId) throw new Error('the AWS emulator has no default VPC to seed');

  // One subnet per AZ in three AZs, tagged for both schemes and owned by this cluster (SPEC §6.3).
  const { Subnets = [] } = await ec2.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
  );
  const byZone = new Map<string, string>();
  for (const s of [...Subnets].sort((a, b) => (a.SubnetId ?? '').localeCompare(b.SubnetId ?? ''))) {
    if (s.AvailabilityZone && s.SubnetId && !byZone.has(s.AvailabilityZone))
      byZone.set(s.AvailabilityZone, s.SubnetId);
  }
  const subnetIds = [...byZone.values()].slice(0, 3);
  await ec2.send(
    new CreateTagsCommand({
      Resources: subnetIds,
      Tags: [
        { Key: 'kubernetes.io/role/elb', Value: '1' },
        { Key: 'kubernetes.io/role/internal-elb', Value: '1' },
        { Key: `kubernetes.io/cluster/${clusterName}`, Value: 'owned' },
      ],
    }),
  );

  // The nodes' security group as EKS makes it: tagged for the cluster, so the reconciler picks it to
  // admit the load balancer's backend security group.
  const { GroupId: nodeSecurityGroup } = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `eks-cluster-sg-${clusterName}`,
      Description:
        'EKS created security group applied to ENI that is attached to EKS Control Plane master nodes, as well as any managed workloads.',
      VpcId: vpcId,
      TagSpecifications: [
        {
          ResourceType: 'security-group',
          Tags: [{ Key: `kubernetes.io/cluster/${clusterName}`, Value: 'owned' }],
        },
      ],
    }),
  );
  const { Images = [] } = await ec2.send(new DescribeImagesCommand({ MaxResults: 5 }));
  const imageId = Images[0]?.ImageId ?? 'ami-12c6146b';
  const { Instances = [] } = await ec2.send(
    new RunInstancesCommand({
      ImageId: imageId,
      InstanceType: 't3.medium',
      MinCount: 3,
      MaxCount: 3,
      SubnetId: subnetIds[0],
      ...(nodeSecurityGroup ? { SecurityGroupIds: [nodeSecurityGroup] } : {}),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: [{ Key: `kubernetes.io/cluster/${clusterName}`, Value: 'owned' }] },
      ],
    }),
  );
  const instanceIds = Instances.map((i) => i.InstanceId).filter((id): id is string => id !== undefined);

  // Only the PEM text goes to ACM: the folder with the key goes at once.
  const pem = await selfSignedCertificate('shop.example.com', ['*.example.com']);
  const { CertificateArn } = await acm
    .send(
      new ImportCertificateCommand({ Certificate: Buffer.from(pem.cert), PrivateKey: Buffer.from(pem.key) }),
    )
    .finally(() => pem.remove());
  if (!CertificateArn) throw new Error('the AWS emulator did not return a certificate ARN');

  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'albatross-snapshots-dlq.fifo',
      Attributes: { FifoQueue: 'true', MessageRetentionPeriod: '1209600' },
    }),
  );
  const dlqAttrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'albatross-snapshots.fifo',
      Attributes: {
        FifoQueue: 'true',
        VisibilityTimeout: '60',
        MaximumMessageSize: '1048576',
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqAttrs.Attributes?.QueueArn,
          maxReceiveCount: LOCAL_MAX_RECEIVE_COUNT,
        }),
      },
    }),
  );
  const results = await sqs.send(new CreateQueueCommand({ QueueName: 'albatross-results' }));
  if (!queue.QueueUrl || !dlq.QueueUrl || !results.QueueUrl)
    throw new Error('the AWS emulator did not create the queues');

  return {
    vpcId,
    subnetIds,
    instanceIds,
    certificateArn: CertificateArn,
    queueUrl: queue.QueueUrl,
    dlqUrl: dlq.QueueUrl,
    resultsQueueUrl: results.QueueUrl,
  };
}
