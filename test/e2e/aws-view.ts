/**
 * What the reconciler left in AWS for one stack, found the way SPEC §5 defines ownership: by the tracking
 * tags, never by names.
 */
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
  type Listener,
  type LoadBalancer,
  type Rule,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';

export interface StackView {
  lb: LoadBalancer;
  listeners: { listener: Listener; rules: Rule[] }[];
  targetGroups: TargetGroup[];
}

async function tagsOf(
  elbv2: ElasticLoadBalancingV2Client,
  arns: string[],
): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (let i = 0; i < arns.length; i += 20) {
    const res = await elbv2.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }));
    for (const d of res.TagDescriptions ?? []) {
      out.set(
        d.ResourceArn ?? '',
        Object.fromEntries((d.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
      );
    }
  }
  return out;
}

const owned = (tags: Record<string, string> | undefined, cluster: string, stackId: string) =>
  tags?.['elbv2.k8s.aws/cluster'] === cluster && tags['ingress.k8s.aws/stack'] === stackId;

/** Target groups of the stack, whether or not a load balancer still uses them. */
export async function stackTargetGroups(
  elbv2: ElasticLoadBalancingV2Client,
  cluster: string,
  stackId: string,
): Promise<TargetGroup[]> {
  const { TargetGroups = [] } = await elbv2.send(new DescribeTargetGroupsCommand({ PageSize: 400 }));
  const tags = await tagsOf(
    elbv2,
    TargetGroups.map((t) => t.TargetGroupArn ?? ''),
  );
  return TargetGroups.filter((t) => owned(tags.get(t.TargetGroupArn ?? ''), cluster, stackId));
}

export async function viewStack(
  elbv2: ElasticLoadBalancingV2Client,
  cluster: string,
  stackId: string,
): Promise<StackView | undefined> {
  const { LoadBalancers = [] } = await elbv2.send(new DescribeLoadBalancersCommand({ PageSize: 400 }));
  const tags = await tagsOf(
    elbv2,
    LoadBalancers.map((l) => l.LoadBalancerArn ?? ''),
  );
  const mine = LoadBalancers.filter((l) => owned(tags.get(l.LoadBalancerArn ?? ''), cluster, stackId));
  if (mine.length > 1) throw new Error(`${mine.length} load balancers carry stack ${stackId}`);
  const lb = mine[0];
  if (!lb) return undefined;
  const { Listeners = [] } = await elbv2.send(
    new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn, PageSize: 400 }),
  );
  const listeners = [];
  for (const listener of Listeners) {
    const { Rules = [] } = await elbv2.send(
      new DescribeRulesCommand({ ListenerArn: listener.ListenerArn, PageSize: 400 }),
    );
    listeners.push({ listener, rules: Rules });
  }
  return { lb, listeners, targetGroups: await stackTargetGroups(elbv2, cluster, stackId) };
}

/** `priority → path-pattern values` of a listener's non-default rules, e.g. `{ '1': ['/api', '/api/*'] }`. */
export function pathsByPriority(rules: Rule[]): Record<string, string[]> {
  return Object.fromEntries(
    rules
      .filter((r) => !r.IsDefault)
      .map((r) => [
        r.Priority ?? '',
        (r.Conditions ?? [])
          .filter((c) => c.Field === 'path-pattern')
          .flatMap((c) => c.PathPatternConfig?.Values ?? c.Values ?? []),
      ]),
  );
}
