/** Discovery: the reads the reconciler makes, paged and chunked the way AWS (not only moto) needs. */
import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  type Filter,
  type SecurityGroup,
  type Subnet,
} from '@aws-sdk/client-ec2';
import {
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type Listener,
  type LoadBalancer,
  type Rule,
  type TargetDescription,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Tags } from '../shared/model';
import type { AwsClients } from './clients';
import { awsErrorCode } from './errors';

const PAGE = 400;
const TAGS_PER_CALL = 20;

/** Tags cached per reconcile: one DescribeTags per 20 ARNs, never twice for one ARN. */
export class TagCache {
  private readonly tags = new Map<string, Tags>();
  constructor(private readonly clients: AwsClients) {}

  async of(arns: readonly string[]): Promise<Map<string, Tags>> {
    const missing = [...new Set(arns.filter((a) => !this.tags.has(a)))];
    for (let i = 0; i < missing.length; i += TAGS_PER_CALL) {
      const chunk = missing.slice(i, i + TAGS_PER_CALL);
      const { TagDescriptions = [] } = await this.clients.elbv2.send(
        new DescribeTagsCommand({ ResourceArns: chunk }),
      );
      for (const arn of chunk) this.tags.set(arn, {});
      for (const d of TagDescriptions) {
        if (!d.ResourceArn) continue;
        this.tags.set(
          d.ResourceArn,
          Object.fromEntries((d.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
        );
      }
    }
    return new Map(arns.map((a) => [a, this.tags.get(a) ?? {}]));
  }

  set(arn: string, tags: Tags): void {
    this.tags.set(arn, tags);
  }
}

export async function loadBalancerByName(c: AwsClients, name: string): Promise<LoadBalancer | undefined> {
  try {
    const { LoadBalancers = [] } = await c.elbv2.send(
      new DescribeLoadBalancersCommand({ Names: [name], PageSize: PAGE }),
    );
    return LoadBalancers[0];
  } catch (err) {
    if (awsErrorCode(err) === 'LoadBalancerNotFound') return undefined;
    throw err;
  }
}

export async function allLoadBalancers(c: AwsClients): Promise<LoadBalancer[]> {
  const out: LoadBalancer[] = [];
  let Marker: string | undefined;
  do {
    const r = await c.elbv2.send(new DescribeLoadBalancersCommand({ PageSize: PAGE, Marker }));
    out.push(...(r.LoadBalancers ?? []).filter((lb) => lb.Type === 'application' || lb.Type === undefined));
    Marker = r.NextMarker;
  } while (Marker);
  return out;
}

export async function listenersOf(c: AwsClients, loadBalancerArn: string): Promise<Listener[]> {
  const out: Listener[] = [];
  let Marker: string | undefined;
  do {
    const r = await c.elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn, PageSize: PAGE, Marker }),
    );
    out.push(...(r.Listeners ?? []));
    Marker = r.NextMarker;
  } while (Marker);
  return out;
}

export async function rulesOf(c: AwsClients, listenerArn: string): Promise<Rule[]> {
  const out: Rule[] = [];
  let Marker: string | undefined;
  do {
    const r = await c.elbv2.send(
      new DescribeRulesCommand({ ListenerArn: listenerArn, PageSize: PAGE, Marker }),
    );
    out.push(...(r.Rules ?? []));
    Marker = r.NextMarker;
  } while (Marker);
  return out;
}

/** The listener's SNI certificates, default excluded. */
export async function extraCertificatesOf(c: AwsClients, listenerArn: string): Promise<string[]> {
  const out: string[] = [];
  let Marker: string | undefined;
  do {
    const r = await c.elbv2.send(
      new DescribeListenerCertificatesCommand({ ListenerArn: listenerArn, PageSize: PAGE, Marker }),
    );
    for (const cert of r.Certificates ?? [])
      if (!cert.IsDefault && cert.CertificateArn) out.push(cert.CertificateArn);
    Marker = r.NextMarker;
  } while (Marker);
  return out;
}

/** Registered targets, draining ones left out (they are on their way out already). */
export async function targetsOf(c: AwsClients, targetGroupArn: string): Promise<TargetDescription[]> {
  const r = await c.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
  return (r.TargetHealthDescriptions ?? [])
    .filter((d) => d.TargetHealth?.State !== 'draining' && d.Target?.Id)
    .map((d) => d.Target as TargetDescription);
}

export async function subnets(
  c: AwsClients,
  filter: { ids?: string[]; names?: string[]; tagKey?: string; vpcId?: string },
): Promise<Subnet[]> {
  const Filters = [
    ...(filter.names ? [{ Name: 'tag:Name', Values: filter.names }] : []),
    ...(filter.tagKey ? [{ Name: 'tag-key', Values: [filter.tagKey] }] : []),
    ...(filter.vpcId ? [{ Name: 'vpc-id', Values: [filter.vpcId] }] : []),
  ];
  const r = await c.ec2.send(
    new DescribeSubnetsCommand({
      ...(filter.ids ? { SubnetIds: filter.ids } : {}),
      ...(Filters.length ? { Filters } : {}),
    }),
  );
  return r.Subnets ?? [];
}

export const tagsOfEc2 = (tags: { Key?: string; Value?: string }[] | undefined): Tags =>
  Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

/** Security groups matching `Filters`, every page. */
export async function securityGroupsWhere(c: AwsClients, Filters: Filter[]): Promise<SecurityGroup[]> {
  const out: SecurityGroup[] = [];
  let NextToken: string | undefined;
  do {
    const r = await c.ec2.send(new DescribeSecurityGroupsCommand({ Filters, MaxResults: 1000, NextToken }));
    out.push(...(r.SecurityGroups ?? []));
    NextToken = r.NextToken;
  } while (NextToken);
  return out;
}

/**
 * Target groups by ARN, 20 per call (AWS's limit). The tagging API lags deletions, so a chunk naming one
 * that is gone is split until the missing one is isolated and dropped.
 */
export async function targetGroupsByArn(c: AwsClients, arns: readonly string[]): Promise<TargetGroup[]> {
  const out: TargetGroup[] = [];
  const describe = async (chunk: readonly string[]): Promise<void> => {
    try {
      const r = await c.elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [...chunk] }));
      out.push(...(r.TargetGroups ?? []));
    } catch (err) {
      if (awsErrorCode(err) !== 'TargetGroupNotFound') throw err;
      if (chunk.length === 1) return;
      const half = Math.ceil(chunk.length / 2);
      await describe(chunk.slice(0, half));
      await describe(chunk.slice(half));
    }
  };
  for (let i = 0; i < arns.length; i += TAGS_PER_CALL) await describe(arns.slice(i, i + TAGS_PER_CALL));
  return out;
}
