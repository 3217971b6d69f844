/**
 * A listener's rules, converged through the planner: content first, then priority; stale rules step
 * aside, new rules come before deletions. Tags follow the rules: a moved rule's `port:priority` too.
 */
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeRulesCommand,
  ModifyRuleCommand,
  type Rule,
  SetRulePrioritiesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { rulesOf, TagCache } from '../../../../aws/discovery';
import { awsErrorCode } from '../../../../aws/errors';
import type { DesiredListener } from '../../../../shared/model';
import { RESOURCE_ID, RESOURCE_TAG } from '../../../../shared/tags';
import type { Ctx, Ref } from '../../context';
import { conflict, deleted } from '../../idempotency';
import { type ArnOf, ruleKey, toSdkAction, toSdkConditions } from '../../shapes';
import { syncTags, toSdkTags } from '../../tags';
import { planRules } from './plan';

export async function ensureRules(
  ctx: Ctx,
  d: DesiredListener,
  listener: Ref,
  listenerExisted: boolean,
  arnOf: ArnOf,
  full: boolean,
): Promise<void> {
  const ListenerArn = listener.kind === 'known' ? listener.id : '';
  const existing: Rule[] = listenerExisted
    ? (await rulesOf(ctx.clients, ListenerArn)).filter((r) => !r.IsDefault)
    : [];
  const wanted = d.rules.map((r) => ({
    rule: r,
    key: '',
    conditions: toSdkConditions(r.conditions),
    actions: [toSdkAction(r.action, arnOf)],
  }));
  for (const w of wanted) w.key = ruleKey(w.conditions, w.actions);
  const where = `${d.protocol}:${d.port}`;
  const originalPriority = new Map(existing.map((r) => [r.RuleArn ?? '', Number(r.Priority)]));
  const finalPriority = new Map(originalPriority);
  const moved = new Set<string>();
  const steps = planRules(
    existing.map((r) => ({
      arn: r.RuleArn ?? '',
      priority: Number(r.Priority),
      key: ruleKey(r.Conditions ?? [], r.Actions ?? []),
    })),
    wanted.map((w) => ({ priority: w.rule.priority, key: w.key })),
  );
  for (const s of steps) {
    switch (s.type) {
      case 'move':
        await ctx.write(
          {
            action: 'update',
            kind: 'Rule',
            resource: where,
            detail: `priorities ${s.moves.map((m) => m.priority).join(', ')}`,
          },
          () => setPriorities(ctx, ListenerArn, s.moves, where),
        );
        for (const m of s.moves) {
          finalPriority.set(m.arn, m.priority);
          moved.add(m.arn);
        }
        break;
      case 'modify': {
        const w = wanted[s.wanted]!;
        await ctx.write(
          { action: 'update', kind: 'Rule', resource: `${where} priority ${w.rule.priority}` },
          () =>
            ctx.clients.elbv2
              .send(new ModifyRuleCommand({ RuleArn: s.arn, Conditions: w.conditions, Actions: w.actions }))
              .catch((err) => {
                if (awsErrorCode(err) === 'RuleNotFound')
                  throw conflict(`rule ${where} priority ${w.rule.priority}`, 'RuleNotFound');
                throw err;
              }),
        );
        break;
      }
      case 'create': {
        const w = wanted[s.wanted]!;
        await ctx.write(
          { action: 'create', kind: 'Rule', resource: `${where} priority ${w.rule.priority}` },
          () => createRule(ctx, ListenerArn, w, where),
        );
        break;
      }
      case 'delete':
        await ctx.write({ action: 'delete', kind: 'Rule', resource: where }, () =>
          deleted(() => ctx.clients.elbv2.send(new DeleteRuleCommand({ RuleArn: s.arn }))),
        );
        finalPriority.delete(s.arn);
        break;
    }
  }
  await syncRuleTags(ctx, d, originalPriority, finalPriority, moved, full);
}

/**
 * Kept rules' tags: a full run reads and converges them all; a part run rewrites only the resource tag
 * of the rules it moved (their other tags did not change, or the listener's part would say so).
 */
async function syncRuleTags(
  ctx: Ctx,
  d: DesiredListener,
  originalPriority: ReadonlyMap<string, number>,
  finalPriority: ReadonlyMap<string, number>,
  moved: ReadonlySet<string>,
  full: boolean,
): Promise<void> {
  if (ctx.dryRun && !full) return;
  const wantFor = (priority: number) => d.rules.find((r) => r.priority === priority)?.tags;
  const arns = [...finalPriority.keys()].filter((a) => full || moved.has(a));
  if (arns.length === 0) return;
  const have = full ? await new TagCache(ctx.clients).of(arns) : undefined;
  for (const arn of arns) {
    const priority = finalPriority.get(arn)!;
    const want = wantFor(priority);
    if (!want) continue;
    const name = `${d.protocol}:${d.port} priority ${priority}`;
    const current = have?.get(arn) ?? {
      ...want,
      [RESOURCE_TAG]: RESOURCE_ID.rule(d.port, originalPriority.get(arn) ?? priority),
    };
    await syncTags(ctx, { kind: 'Rule', name, id: arn, service: 'elbv2' }, current, want);
  }
}

async function createRule(
  ctx: Ctx,
  ListenerArn: string,
  w: {
    rule: DesiredListener['rules'][number];
    key: string;
    conditions: ReturnType<typeof toSdkConditions>;
    actions: ReturnType<typeof toSdkAction>[];
  },
  where: string,
) {
  try {
    return await ctx.clients.elbv2.send(
      new CreateRuleCommand({
        ListenerArn,
        Priority: w.rule.priority,
        Conditions: w.conditions,
        Actions: w.actions,
        Tags: toSdkTags(w.rule.tags),
      }),
    );
  } catch (err) {
    if (awsErrorCode(err) !== 'PriorityInUse') throw err;
    // An earlier attempt whose answer was lost, or a racer: the rule there must be this very rule.
    const there = (await rulesOf(ctx.clients, ListenerArn)).find(
      (r) => Number(r.Priority) === w.rule.priority,
    );
    if (there && ruleKey(there.Conditions ?? [], there.Actions ?? []) === w.key) return undefined;
    throw conflict(`rule ${where} priority ${w.rule.priority}`, 'PriorityInUse');
  }
}

async function setPriorities(
  ctx: Ctx,
  ListenerArn: string,
  moves: readonly { arn: string; priority: number }[],
  where: string,
) {
  try {
    return await ctx.clients.elbv2.send(
      new SetRulePrioritiesCommand({
        RulePriorities: moves.map((m) => ({ RuleArn: m.arn, Priority: m.priority })),
      }),
    );
  } catch (err) {
    if (awsErrorCode(err) !== 'PriorityInUse') throw err;
    // Done already by an attempt whose answer was lost?
    const r = await ctx.clients.elbv2.send(new DescribeRulesCommand({ ListenerArn, PageSize: 400 }));
    const at = new Map((r.Rules ?? []).map((x) => [x.RuleArn ?? '', Number(x.Priority)]));
    if (moves.every((m) => at.get(m.arn) === m.priority)) return undefined;
    throw conflict(`rules of ${where}`, 'PriorityInUse');
  }
}
