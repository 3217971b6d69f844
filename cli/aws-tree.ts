/**
 * What AWS holds for a cluster, as a readable tree: load balancer → listeners → rules → target groups →
 * targets. Read-only; used by local mode after each reconcile.
 */
import {
  type Action,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../aws/clients';
import { allLoadBalancers, TagCache } from '../aws/discovery';
import { CLUSTER_TAG, STACK_TAG } from '../shared/tags';

export async function renderAwsTree(c: AwsClients, cluster: string): Promise<string> {
  const lbs = await allLoadBalancers(c);
  const tags = await new TagCache(c).of(lbs.map((l) => l.LoadBalancerArn ?? ''));
  const mine = lbs.filter((l) => tags.get(l.LoadBalancerArn ?? '')?.[CLUSTER_TAG] === cluster);
  if (mine.length === 0) return `no load balancers tagged for cluster ${cluster}\n`;
  const { TargetGroups = [] } = await c.elbv2.send(new DescribeTargetGroupsCommand({ PageSize: 400 }));
  const tgName = new Map(TargetGroups.map((t) => [t.TargetGroupArn ?? '', t.TargetGroupName ?? '']));
  const action = (a: Action): string => {
    if (a.Type === 'forward') {
      const tgs = a.ForwardConfig?.TargetGroups ?? [{ TargetGroupArn: a.TargetGroupArn, Weight: 1 }];
      return `forward → ${tgs.map((t) => `${tgName.get(t.TargetGroupArn ?? '') ?? t.TargetGroupArn}${tgs.length > 1 ? ` (${t.Weight})` : ''}`).join(', ')}`;
    }
    if (a.Type === 'redirect')
      return `redirect ${a.RedirectConfig?.StatusCode?.replace('HTTP_', '')} → ${a.RedirectConfig?.Protocol}:${a.RedirectConfig?.Port}`;
    return `fixed-response ${a.FixedResponseConfig?.StatusCode}`;
  };
  const out: string[] = [];
  for (const lb of mine) {
    const stack = tags.get(lb.LoadBalancerArn ?? '')?.[STACK_TAG];
    out.push(`ALB ${lb.LoadBalancerName} (stack ${stack}, ${lb.Scheme}) ${lb.DNSName}`);
    const { Listeners = [] } = await c.elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }),
    );
    const used = new Set<string>();
    for (const l of Listeners.sort((a, b) => (a.Port ?? 0) - (b.Port ?? 0))) {
      out.push(`├─ ${l.Protocol}:${l.Port} default ${(l.DefaultActions ?? []).map(action).join(', ')}`);
      const { Rules = [] } = await c.elbv2.send(
        new DescribeRulesCommand({ ListenerArn: l.ListenerArn, PageSize: 400 }),
      );
      for (const r of Rules.filter((x) => !x.IsDefault).sort(
        (a, b) => Number(a.Priority) - Number(b.Priority),
      )) {
        const cond = (r.Conditions ?? [])
          .map(
            (x) =>
              `${x.Field?.replace('-header', '').replace('-pattern', '')} ${(x.HostHeaderConfig?.Values ?? x.PathPatternConfig?.Values ?? x.Values ?? []).join('|')}`,
          )
          .join(' & ');
        out.push(
          `│  ├─ ${String(r.Priority).padStart(3)} ${cond} ⇒ ${(r.Actions ?? []).map(action).join(', ')}`,
        );
        for (const a of r.Actions ?? [])
          for (const t of a.ForwardConfig?.TargetGroups ?? []) used.add(t.TargetGroupArn ?? '');
      }
    }
    for (const arn of [...used].sort((a, b) => (tgName.get(a) ?? '').localeCompare(tgName.get(b) ?? ''))) {
      const h = await c.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
      const targets = (h.TargetHealthDescriptions ?? []).map((d) => `${d.Target?.Id}:${d.Target?.Port}`);
      out.push(`└─ target group ${tgName.get(arn)}: ${targets.length ? targets.join(', ') : '(no targets)'}`);
    }
  }
  return `${out.join('\n')}\n`;
}
