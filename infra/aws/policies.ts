/**
 * Least-privilege IAM for the two principals (SPEC §8). Every ELBv2/EC2 write is scoped to resources that
 * carry `elbv2.k8s.aws/cluster=<cluster>`: on creation through the request's tags, afterwards through the
 * resource's tags. This mirrors the AWS Load Balancer Controller's policy shape (tag-on-create via
 * `elasticloadbalancing:CreateAction` / `ec2:CreateAction`), tightened from "the tag exists" to "the tag
 * names this cluster", so one account can host several clusters without them touching each other.
 */

import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { METRICS_NAMESPACE } from '../../shared/metric-names';

export const CLUSTER_TAG = 'elbv2.k8s.aws/cluster';

export interface ReconcilerPolicyProps {
  clusterName: string;
  /** Restricts security-group creation to this VPC when known. */
  vpcId?: string;
}

const ELB_CREATE_ACTIONS = [
  'elasticloadbalancing:CreateLoadBalancer',
  'elasticloadbalancing:CreateTargetGroup',
  'elasticloadbalancing:CreateListener',
  'elasticloadbalancing:CreateRule',
];

/** Writes on an existing, owned resource. No `Delete*`/`Modify*` ever appears without the tag condition. */
const ELB_OWNED_ACTIONS = [
  'elasticloadbalancing:DeleteLoadBalancer',
  'elasticloadbalancing:DeleteTargetGroup',
  'elasticloadbalancing:DeleteListener',
  'elasticloadbalancing:DeleteRule',
  'elasticloadbalancing:ModifyLoadBalancerAttributes',
  'elasticloadbalancing:ModifyTargetGroup',
  'elasticloadbalancing:ModifyTargetGroupAttributes',
  'elasticloadbalancing:ModifyListener',
  'elasticloadbalancing:ModifyListenerAttributes',
  'elasticloadbalancing:ModifyRule',
  'elasticloadbalancing:SetRulePriorities',
  'elasticloadbalancing:SetSecurityGroups',
  'elasticloadbalancing:SetSubnets',
  'elasticloadbalancing:SetIpAddressType',
  'elasticloadbalancing:SetWebAcl',
  'elasticloadbalancing:RegisterTargets',
  'elasticloadbalancing:DeregisterTargets',
  'elasticloadbalancing:AddListenerCertificates',
  'elasticloadbalancing:RemoveListenerCertificates',
];

const EC2_OWNED_ACTIONS = [
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:RevokeSecurityGroupIngress',
  'ec2:DeleteSecurityGroup',
];

const ownedBy = (clusterName: string) => ({
  StringEquals: { [`aws:ResourceTag/${CLUSTER_TAG}`]: clusterName },
});
const requestedFor = (clusterName: string) => ({
  StringEquals: { [`aws:RequestTag/${CLUSTER_TAG}`]: clusterName },
});

export function reconcilerStatements(props: ReconcilerPolicyProps): PolicyStatement[] {
  const { clusterName } = props;
  return [
    new PolicyStatement({
      sid: 'Discover',
      actions: [
        'elasticloadbalancing:Describe*',
        'ec2:DescribeVpcs',
        'ec2:DescribeSubnets',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSecurityGroupRules',
        'ec2:DescribeInstances',
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeTags',
        'acm:DescribeCertificate',
        'acm:ListCertificates',
        'tag:GetResources',
        'wafv2:GetWebACL',
        'wafv2:GetWebACLForResource',
      ],
      resources: ['*'],
    }),
    // The first ALB in an account needs ELB's service-linked role; nothing else may be created this way.
    new PolicyStatement({
      sid: 'ElbServiceLinkedRole',
      actions: ['iam:CreateServiceLinkedRole'],
      resources: ['*'],
      conditions: { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } },
    }),
    new PolicyStatement({
      sid: 'ElbCreateTagged',
      actions: ELB_CREATE_ACTIONS,
      resources: ['*'],
      conditions: requestedFor(clusterName),
    }),
    // Creating a tagged resource is also an AddTags call; allow it only as part of that creation.
    new PolicyStatement({
      sid: 'ElbTagOnCreate',
      actions: ['elasticloadbalancing:AddTags'],
      resources: ['*'],
      conditions: {
        StringEquals: {
          'elasticloadbalancing:CreateAction': ELB_CREATE_ACTIONS.map((a) => a.split(':')[1]),
          [`aws:RequestTag/${CLUSTER_TAG}`]: clusterName,
        },
      },
    }),
    new PolicyStatement({
      sid: 'ElbWriteOwned',
      actions: ELB_OWNED_ACTIONS,
      resources: ['*'],
      conditions: ownedBy(clusterName),
    }),
    // Digest and user tags on owned resources; the ownership tag itself can be neither set nor removed.
    new PolicyStatement({
      sid: 'ElbRetagOwned',
      actions: ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'],
      resources: ['*'],
      conditions: {
        ...ownedBy(clusterName),
        'ForAllValues:StringNotEquals': { 'aws:TagKeys': [CLUSTER_TAG] },
      },
    }),
    // Associating an ACL also needs `elasticloadbalancing:SetWebAcl` on the LB, which is ownership-scoped above.
    new PolicyStatement({
      sid: 'WafAssociate',
      actions: ['wafv2:AssociateWebACL', 'wafv2:DisassociateWebACL'],
      resources: ['*'],
    }),
    // CreateSecurityGroup authorizes twice: on the VPC (no tags there) and on the new group (tagged).
    new PolicyStatement({
      sid: 'Ec2CreateSgInVpc',
      actions: ['ec2:CreateSecurityGroup'],
      resources: [`arn:aws:ec2:*:*:vpc/${props.vpcId ?? '*'}`],
    }),
    new PolicyStatement({
      sid: 'Ec2CreateSgTagged',
      actions: ['ec2:CreateSecurityGroup'],
      resources: ['arn:aws:ec2:*:*:security-group/*'],
      conditions: requestedFor(clusterName),
    }),
    new PolicyStatement({
      sid: 'Ec2TagOnCreate',
      actions: ['ec2:CreateTags'],
      resources: ['arn:aws:ec2:*:*:security-group/*'],
      conditions: {
        StringEquals: {
          'ec2:CreateAction': 'CreateSecurityGroup',
          [`aws:RequestTag/${CLUSTER_TAG}`]: clusterName,
        },
      },
    }),
    new PolicyStatement({
      sid: 'Ec2WriteOwned',
      actions: EC2_OWNED_ACTIONS,
      resources: ['arn:aws:ec2:*:*:security-group/*'],
      conditions: ownedBy(clusterName),
    }),
    new PolicyStatement({
      sid: 'Ec2RetagOwned',
      actions: ['ec2:CreateTags', 'ec2:DeleteTags'],
      resources: ['arn:aws:ec2:*:*:security-group/*'],
      conditions: {
        ...ownedBy(clusterName),
        'ForAllValues:StringNotEquals': { 'aws:TagKeys': [CLUSTER_TAG] },
      },
    }),
  ];
}

/**
 * The webhook reads load balancers (status, orphan detection) and, for pod readiness gates, the health of
 * the targets pods wait on (a target group looked up by name once, then its health); all its writes go
 * through the queue.
 */
export function webhookReadStatements(): PolicyStatement[] {
  return [
    new PolicyStatement({
      sid: 'ReadinessGateTargetHealth',
      effect: Effect.ALLOW,
      actions: ['elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth'],
      resources: ['*'],
    }),
    new PolicyStatement({
      sid: 'DescribeLoadBalancers',
      effect: Effect.ALLOW,
      actions: [
        'elasticloadbalancing:DescribeLoadBalancers',
        'elasticloadbalancing:DescribeTags',
        'tag:GetResources',
      ],
      resources: ['*'],
    }),
  ];
}

/**
 * The webhook publishes its own metrics (webhook/cloudwatch.ts). PutMetricData has no resource; the
 * namespace condition keeps the role from writing anyone else's metrics.
 */
export function webhookMetricsStatements(): PolicyStatement[] {
  return [
    new PolicyStatement({
      sid: 'PutAlbatrossMetrics',
      effect: Effect.ALLOW,
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } },
    }),
  ];
}
