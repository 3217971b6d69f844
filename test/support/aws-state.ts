/**
 * A normalised dump of everything ELBv2/EC2 holds (ARNs replaced by names), so two runs can be compared
 * for equality and leaks show up as extra entries.
 */
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../../aws/clients';

export interface AwsDump {
  loadBalancers: {
    name: string;
    scheme?: string;
    ipType?: string;
    subnets: string[];
    securityGroups: string[];
    tags: Record<string, string>;
  }[];
  listeners: {
    lb: string;
    port?: number;
    protocol?: string;
    defaultActions: unknown;
    certificates: string[];
  }[];
  rules: { lb: string; port?: number; priority: string; conditions: unknown; actions: unknown }[];
  targetGroups: {
    name: string;
    port?: number;
    protocol?: string;
    version?: string;
    type?: string;
    targets: string[];
    tags: Record<string, string>;
  }[];
  securityGroups: { name: string; ingress: string[] }[];
}

export async function dumpAws(c: AwsClients): Promise<AwsDump> {
  const { LoadBalancers = [] } = await c.elbv2.send(new DescribeLoadBalancersCommand({ PageSize: 400 }));
  const { TargetGroups = [] } = await c.elbv2.send(new DescribeTargetGroupsCommand({ PageSize: 400 }));
  const tgName = new Map(TargetGroups.map((t) => [t.TargetGroupArn ?? '', t.TargetGroupName ?? '']));
  const names = (v: unknown): unknown =>
    JSON.parse(
      JSON.stringify(v ?? null, (_k, x) =>
        typeof x === 'string' && tgName.has(x) ? `tg:${tgName.get(x)}` : x,
      ),
    );
  const tagsOf = async (arn: string) => {
    const r = await c.elbv2.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
    return Object.fromEntries((r.TagDescriptions?.[0]?.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  };
  const dump: AwsDump = { loadBalancers: [], listeners: [], rules: [], targetGroups: [], securityGroups: [] };
  for (const lb of LoadBalancers) {
    const name = lb.LoadBalancerName ?? '';
    dump.loadBalancers.push({
      name,
      scheme: lb.Scheme,
      ipType: lb.IpAddressType,
      subnets: (lb.AvailabilityZones ?? []).map((z) => z.SubnetId ?? '').sort(),
      securityGroups: [...(lb.SecurityGroups ?? [])].sort(),
      tags: await tagsOf(lb.LoadBalancerArn ?? ''),
    });
    const { Listeners = [] } = await c.elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }),
    );
    for (const l of Listeners.sort((a, b) => (a.Port ?? 0) - (b.Port ?? 0))) {
      dump.listeners.push({
        lb: name,
        port: l.Port,
        protocol: l.Protocol,
        defaultActions: names(l.DefaultActions),
        certificates: (l.Certificates ?? []).map((x) => x.CertificateArn ?? ''),
      });
      const { Rules = [] } = await c.elbv2.send(
        new DescribeRulesCommand({ ListenerArn: l.ListenerArn, PageSize: 400 }),
      );
      for (const r of Rules.filter((x) => !x.IsDefault).sort(
        (a, b) => Number(a.Priority) - Number(b.Priority),
      )) {
        dump.rules.push({
          lb: name,
          port: l.Port,
          priority: r.Priority ?? '',
          conditions: (r.Conditions ?? []).map((x) => ({
            field: x.Field,
            values:
              x.Values ??
              x.HostHeaderConfig?.Values ??
              x.PathPatternConfig?.Values ??
              x.HttpHeaderConfig?.Values,
          })),
          actions: names(
            (r.Actions ?? []).map((a) => ({
              type: a.Type,
              forward:
                a.ForwardConfig?.TargetGroups?.map((t) => [t.TargetGroupArn, t.Weight]) ?? a.TargetGroupArn,
              redirect: a.RedirectConfig,
              fixed: a.FixedResponseConfig,
            })),
          ),
        });
      }
    }
  }
  for (const tg of TargetGroups) {
    const h = await c.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
    dump.targetGroups.push({
      name: tg.TargetGroupName ?? '',
      port: tg.Port,
      protocol: tg.Protocol,
      version: tg.ProtocolVersion,
      type: tg.TargetType,
      targets: (h.TargetHealthDescriptions ?? []).map((d) => `${d.Target?.Id}:${d.Target?.Port}`).sort(),
      tags: await tagsOf(tg.TargetGroupArn ?? ''),
    });
  }
  const { SecurityGroups = [] } = await c.ec2.send(new DescribeSecurityGroupsCommand({}));
  const groupName = new Map(SecurityGroups.map((g) => [g.GroupId ?? '', g.GroupName ?? '']));
  for (const g of SecurityGroups.filter((x) => x.GroupName !== 'default')) {
    dump.securityGroups.push({
      name: g.GroupName ?? '',
      ingress: (g.IpPermissions ?? [])
        .flatMap((p) => [
          ...(p.IpRanges ?? []).map((r) => `${p.FromPort}:${r.CidrIp}`),
          ...(p.Ipv6Ranges ?? []).map((r) => `${p.FromPort}:${r.CidrIpv6}`),
          ...(p.UserIdGroupPairs ?? []).map(
            (r) =>
              `${p.FromPort === p.ToPort ? p.FromPort : `${p.FromPort}-${p.ToPort}`}:${groupName.get(r.GroupId ?? '') ?? r.GroupId}`,
          ),
        ])
        .sort(),
    });
  }
  dump.loadBalancers.sort((a, b) => a.name.localeCompare(b.name));
  dump.targetGroups.sort((a, b) => a.name.localeCompare(b.name));
  dump.securityGroups.sort((a, b) => a.name.localeCompare(b.name));
  return dump;
}
