/**
 * Target groups that forward actions name but another tool owns (`targetGroupName`): resolved to ARNs,
 * never modified. By-ARN references need no lookup.
 */
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsErrorCode } from '../../../../aws/errors';
import type { Action, DesiredListener } from '../../../../shared/model';
import type { Ctx } from '../../context';
import { ReconcileFailure } from '../../errors';

export function externalNames(listeners: readonly DesiredListener[]): string[] {
  const names = new Set<string>();
  const visit = (a: Action) => {
    if (a.type !== 'forward') return;
    for (const t of a.targetGroups) if ('externalTargetGroupName' in t) names.add(t.externalTargetGroupName);
  };
  for (const l of listeners) {
    visit(l.defaultAction);
    for (const r of l.rules) visit(r.action);
  }
  return [...names].sort();
}

export async function resolveExternalTargetGroups(
  ctx: Ctx,
  names: readonly string[],
  into: Map<string, string>,
) {
  for (const name of names) {
    if (into.has(name)) continue;
    try {
      const r = await ctx.clients.elbv2.send(new DescribeTargetGroupsCommand({ Names: [name] }));
      const arn = r.TargetGroups?.[0]?.TargetGroupArn;
      if (arn) into.set(name, arn);
    } catch (err) {
      if (awsErrorCode(err) !== 'TargetGroupNotFound') throw err;
    }
    if (!into.has(name)) {
      throw new ReconcileFailure(
        'NotFound',
        `target group "${name}" named in a forward action (targetGroupName) does not exist`,
        name,
      );
    }
  }
}
