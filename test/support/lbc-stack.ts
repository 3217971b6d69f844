/**
 * Builds, from a test, the AWS side of a stack as the AWS Load Balancer Controller would have made it for
 * the same desired stack: a migrating user's starting point for "adopt an LBC stack" tests.
 *
 * What makes it LBC-shaped (from the LBC's deploy code, not from ours):
 * - names: the model's names already are the LBC's (SPEC §5);
 * - tags: on the LB, target groups, listeners, rules and the managed SG, `elbv2.k8s.aws/cluster`,
 *   `ingress.k8s.aws/stack`, `ingress.k8s.aws/resource` over the user's tags (the tracking tags win), as
 *   the model carries them — and no `albatross.dev/digest` (the LBC does not know it);
 * - the managed SG (its ingress rules without descriptions) and the cluster's backend SG
 *   (`k8s-traffic-<cluster>-<hash>`, tagged `elbv2.k8s.aws/cluster` + `elbv2.k8s.aws/resource=backend-sg`),
 *   both attached to the ALB; with explicit security groups, the backend SG only when asked
 *   (`manage-backend-security-group-rules`);
 * - target rules as the LBC aggregates them: per target SG one tcp rule from the backend SG spanning the
 *   lowest to the highest needed port (traffic and health-check ports), described
 *   `elbv2.k8s.aws/targetGroupBinding=shared`.
 * Not modelled: WAF associations, certificate discovery (pass certificate ARNs), ip-mode pod ENIs.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import {
  AddListenerCertificatesCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../../aws/clients';
import { BACKEND_SG_DESCRIPTION, MANAGED_RULE_DESCRIPTION } from '../../lambda/reconciler/kinds/backend-sg';
import {
  isManagedRule,
  revokePermissions,
  sourceRulesOf,
} from '../../lambda/reconciler/kinds/backend-sg/diff';
import { portsOf } from '../../lambda/reconciler/kinds/backend-sg/needs';
import { toSdkAction, toSdkConditions } from '../../lambda/reconciler/shapes';
import type { DesiredStack, DesiredTargetGroup, Tags } from '../../shared/model';
import { backendSecurityGroupName } from '../../shared/names';
import { BACKEND_SG_RESOURCE, CLUSTER_TAG, LBC_RESOURCE_TAG } from '../../shared/tags';

export interface LbcStackInput {
  cluster: string;
  stack: DesiredStack;
  vpcId: string;
  /** The ALB's subnets (the LBC discovers them the way the reconciler does; tests name them). */
  subnetIds: string[];
  /** The targets' security groups (EKS node SGs / pod SGs) the LBC opens to the backend SG. */
  targetSecurityGroupIds: string[];
  /** `alb.ingress.kubernetes.io/manage-backend-security-group-rules: "true"` with explicit SGs. */
  manageBackendSecurityGroupRules?: boolean;
}

export interface LbcStack {
  loadBalancerArn: string;
  dnsName: string;
  /** By the target group's `resourceId`. */
  targetGroupArns: Map<string, string>;
  listenerArns: Map<number, string>;
  managedSecurityGroupId?: string;
  backendSecurityGroupId?: string;
}

const toSdkTags = (t: Tags) => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
const sgTagSpec = (t: Tags) => [{ ResourceType: 'security-group' as const, Tags: toSdkTags(t) }];

/** The cluster's backend SG, made once per cluster and reused by every stack, as the LBC does. */
export async function lbcBackendSecurityGroup(
  c: AwsClients,
  cluster: string,
  vpcId: string,
): Promise<string> {
  const found = await c.ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: `tag:${CLUSTER_TAG}`, Values: [cluster] },
        { Name: `tag:${LBC_RESOURCE_TAG}`, Values: [BACKEND_SG_RESOURCE] },
      ],
    }),
  );
  const existing = found.SecurityGroups?.[0]?.GroupId;
  if (existing) return existing;
  const r = await c.ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: backendSecurityGroupName(cluster),
      Description: BACKEND_SG_DESCRIPTION,
      VpcId: vpcId,
      TagSpecifications: sgTagSpec({ [CLUSTER_TAG]: cluster, [LBC_RESOURCE_TAG]: BACKEND_SG_RESOURCE }),
    }),
  );
  return r.GroupId!;
}

function healthCheck(tg: DesiredTargetGroup) {
  const hc = tg.healthCheck;
  return {
    HealthCheckProtocol: hc.protocol,
    HealthCheckPort: String(hc.port),
    HealthCheckPath: hc.path,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThresholdCount,
    UnhealthyThresholdCount: hc.unhealthyThresholdCount,
    Matcher: 'grpcCode' in hc.matcher ? { GrpcCode: hc.matcher.grpcCode } : { HttpCode: hc.matcher.httpCode },
  };
}

export async function createLbcStack(c: AwsClients, i: LbcStackInput): Promise<LbcStack> {
  const { stack } = i;
  const lbSgs = stack.loadBalancer.securityGroups;
  const wantsBackend = lbSgs.kind === 'managed' || i.manageBackendSecurityGroupRules === true;
  const out: LbcStack = {
    loadBalancerArn: '',
    dnsName: '',
    targetGroupArns: new Map(),
    listenerArns: new Map(),
  };

  // Security groups first (the LBC's order): managed, then the shared backend one.
  const securityGroups: string[] = [];
  if (lbSgs.kind === 'explicit') {
    for (const ref of lbSgs.refs) {
      if (ref.kind !== 'id') throw new Error('createLbcStack: name security groups by id');
      securityGroups.push(ref.id);
    }
  } else if (stack.securityGroup) {
    const sg = stack.securityGroup;
    const r = await c.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: sg.name,
        Description: sg.description,
        VpcId: i.vpcId,
        TagSpecifications: sgTagSpec(sg.tags),
      }),
    );
    out.managedSecurityGroupId = r.GroupId!;
    if (sg.ingress.length) {
      await c.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: r.GroupId,
          IpPermissions: sg.ingress.map((x) => ({
            IpProtocol: 'tcp',
            FromPort: x.port,
            ToPort: x.port,
            ...(x.cidr.includes(':')
              ? { Ipv6Ranges: [{ CidrIpv6: x.cidr }] }
              : { IpRanges: [{ CidrIp: x.cidr }] }),
          })),
        }),
      );
    }
    securityGroups.push(r.GroupId!);
  }
  if (wantsBackend) {
    out.backendSecurityGroupId = await lbcBackendSecurityGroup(c, i.cluster, i.vpcId);
    securityGroups.push(out.backendSecurityGroupId);
  }

  for (const tg of stack.targetGroups) {
    const r = await c.elbv2.send(
      new CreateTargetGroupCommand({
        Name: tg.name,
        Protocol: tg.protocol,
        ProtocolVersion: tg.protocolVersion,
        Port: tg.port,
        VpcId: i.vpcId,
        TargetType: tg.targetType,
        IpAddressType: tg.ipAddressType,
        ...healthCheck(tg),
        Tags: toSdkTags(tg.tags),
      }),
    );
    const arn = r.TargetGroups![0]!.TargetGroupArn!;
    out.targetGroupArns.set(tg.resourceId, arn);
    const attributes = Object.entries(tg.attributes);
    if (attributes.length) {
      await c.elbv2.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: arn,
          Attributes: attributes.map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    }
    for (let k = 0; k < tg.targets.length; k += 200) {
      await c.elbv2.send(
        new RegisterTargetsCommand({
          TargetGroupArn: arn,
          Targets: tg.targets.slice(k, k + 200).map((t) => ({ Id: t.id, Port: t.port })),
        }),
      );
    }
  }

  const lb = (
    await c.elbv2.send(
      new CreateLoadBalancerCommand({
        Name: stack.loadBalancer.name,
        Type: 'application',
        Scheme: stack.loadBalancer.scheme,
        IpAddressType: stack.loadBalancer.ipAddressType,
        Subnets: i.subnetIds,
        SecurityGroups: securityGroups,
        Tags: toSdkTags(stack.loadBalancer.tags),
      }),
    )
  ).LoadBalancers![0]!;
  out.loadBalancerArn = lb.LoadBalancerArn!;
  out.dnsName = lb.DNSName ?? '';
  const lbAttributes = Object.entries(stack.loadBalancer.attributes);
  if (lbAttributes.length) {
    await c.elbv2.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: out.loadBalancerArn,
        Attributes: lbAttributes.map(([Key, Value]) => ({ Key, Value })),
      }),
    );
  }

  const arnOf = (t: Parameters<Parameters<typeof toSdkAction>[1]>[0]): string => {
    if ('externalTargetGroupArn' in t) return t.externalTargetGroupArn;
    if ('externalTargetGroupName' in t) throw new Error('createLbcStack: external target groups by name');
    const arn = out.targetGroupArns.get(t.targetGroup);
    if (!arn) throw new Error(`createLbcStack: no target group ${t.targetGroup}`);
    return arn;
  };
  for (const l of stack.listeners) {
    if (l.protocol === 'HTTPS' && l.certificateArns.length === 0)
      throw new Error('createLbcStack: HTTPS listeners need certificate ARNs here');
    const [defaultCert, ...sni] = l.certificateArns;
    const listenerArn = (
      await c.elbv2.send(
        new CreateListenerCommand({
          LoadBalancerArn: out.loadBalancerArn,
          Port: l.port,
          Protocol: l.protocol,
          DefaultActions: [toSdkAction(l.defaultAction, arnOf)],
          ...(l.protocol === 'HTTPS'
            ? { SslPolicy: l.sslPolicy, Certificates: [{ CertificateArn: defaultCert }] }
            : {}),
          Tags: toSdkTags(l.tags),
        }),
      )
    ).Listeners![0]!.ListenerArn!;
    out.listenerArns.set(l.port, listenerArn);
    if (sni.length) {
      await c.elbv2.send(
        new AddListenerCertificatesCommand({
          ListenerArn: listenerArn,
          Certificates: sni.map((CertificateArn) => ({ CertificateArn })),
        }),
      );
    }
    for (const r of l.rules) {
      await c.elbv2.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: r.priority,
          Conditions: toSdkConditions(r.conditions),
          Actions: [toSdkAction(r.action, arnOf)],
          Tags: toSdkTags(r.tags),
        }),
      );
    }
  }

  // The LBC's restricted rules: one range per (target SG, protocol, source) from the lowest to the
  // highest port any of its bindings needs; a second stack widens the range (new rule, then the old goes).
  const ports = stack.targetGroups.flatMap(portsOf);
  const backend = out.backendSecurityGroupId;
  if (backend && ports.length) {
    for (const groupId of i.targetSecurityGroupIds) {
      const g = (await c.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] })))
        .SecurityGroups![0]!;
      const old = sourceRulesOf(groupId, g.IpPermissions).filter(
        (r) => r.sourceGroupId === backend && r.protocol === 'tcp' && isManagedRule(r.description),
      );
      const from = Math.min(...ports, ...old.map((r) => r.fromPort));
      const to = Math.max(...ports, ...old.map((r) => r.toPort));
      if (old.length === 1 && old[0]!.fromPort === from && old[0]!.toPort === to) continue;
      await c.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [
            {
              IpProtocol: 'tcp',
              FromPort: from,
              ToPort: to,
              UserIdGroupPairs: [{ GroupId: backend, Description: MANAGED_RULE_DESCRIPTION }],
            },
          ],
        }),
      );
      if (old.length)
        await c.ec2.send(
          new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: revokePermissions(old) }),
        );
    }
  }
  return out;
}
