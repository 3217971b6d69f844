/**
 * Faults injected around the real SDK clients (never a mocked client): a middleware inside the retry
 * loop that fails chosen calls, counted across both clients.
 */
import type { AwsClients } from '../../lambda/aws/clients';

export interface FaultPlan {
  /** 1-based call numbers (across both clients) that fail. */
  failAt: (call: number, commandName: string) => 'crash' | 'throttle' | undefined;
}

export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

/** Returns a function that removes the fault again. `calls()` tells how many calls went through it. */
export function injectFaults(c: AwsClients, plan: FaultPlan) {
  let n = 0;
  const name = `fault-${Math.random().toString(36).slice(2)}`;
  for (const client of [c.elbv2, c.ec2]) {
    (client.middlewareStack as typeof c.elbv2.middlewareStack).add(
      (next, context) => async (args) => {
        n++;
        const fault = plan.failAt(n, (context as { commandName?: string }).commandName ?? '');
        if (fault === 'crash') throw new SimulatedCrash(`injected crash at call ${n}`);
        if (fault === 'throttle') {
          throw Object.assign(new Error('Rate exceeded'), {
            name: 'ThrottlingException',
            $metadata: { httpStatusCode: 400 },
            $fault: 'client',
          });
        }
        return next(args);
      },
      { step: 'finalizeRequest', name, priority: 'low' },
    );
  }
  return {
    calls: () => n,
    remove() {
      c.elbv2.middlewareStack.remove(name);
      c.ec2.middlewareStack.remove(name);
    },
  };
}
