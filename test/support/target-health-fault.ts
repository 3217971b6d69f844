/**
 * moto reports every registered target `healthy` at once (TESTING.md). To see what the product does with
 * an unhealthy target, a middleware around the real client rewrites what `DescribeTargetHealth` answers
 * for chosen targets — the call still goes to moto, only the health states are replaced.
 */
import type { ElasticLoadBalancingV2Client, TargetHealth } from '@aws-sdk/client-elastic-load-balancing-v2';

export interface TargetHealthOverride {
  /** Replace the health of targets with these ids (IP addresses or instance ids). */
  set(targetId: string, health: TargetHealth): void;
  clear(targetId?: string): void;
  /** How many target descriptions were rewritten so far. */
  readonly rewritten: number;
  remove(): void;
}

export function overrideTargetHealth(client: ElasticLoadBalancingV2Client): TargetHealthOverride {
  const name = `targetHealthOverride-${Math.random().toString(36).slice(2)}`;
  const overrides = new Map<string, TargetHealth>();
  let rewritten = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if ((context as { commandName?: string }).commandName !== 'DescribeTargetHealthCommand') return result;
      const out = result.output as {
        TargetHealthDescriptions?: { Target?: { Id?: string }; TargetHealth?: TargetHealth }[];
      };
      for (const d of out.TargetHealthDescriptions ?? []) {
        const o = overrides.get(d.Target?.Id ?? '');
        if (!o) continue;
        d.TargetHealth = o;
        rewritten++;
      }
      return result;
    },
    { step: 'initialize', name, priority: 'high' },
  );
  return {
    set: (id, h) => void overrides.set(id, h),
    clear: (id) => (id === undefined ? overrides.clear() : void overrides.delete(id)),
    get rewritten() {
      return rewritten;
    },
    remove: () => void client.middlewareStack.remove(name),
  };
}
