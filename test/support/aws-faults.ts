/**
 * Faults injected around the real SDK clients (never a mocked client): a middleware in the innermost step (inside the retry
 * loop that fails chosen calls, counted across both clients.
 */
import type { AwsClients } from '../../aws/clients';

/**
 * `crash`: the call never reaches AWS. `crash-after`: AWS applies it, then the caller dies before it sees
 * the answer (the harder case for idempotency). `throttle`: a retryable ThrottlingException.
 * `server-error`: a retryable HTTP 500 before AWS acts. `reset` / `reset-after`: the connection drops
 * before the call reaches AWS, or after AWS applied it — the SDK retries both, so the retry meets the
 * effect of the attempt whose answer was lost.
 */
export type Fault = 'crash' | 'crash-after' | 'throttle' | 'server-error' | 'reset' | 'reset-after';

const connectionReset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

/** A deterministic PRNG (mulberry32): the same seed fails the same calls. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fails `rate` of all requests (retries included), each with one of the transient faults at random. */
export function transientFaults(rate: number, seed: number): FaultPlan {
  const random = seededRandom(seed);
  const kinds: Fault[] = ['throttle', 'server-error', 'reset', 'reset-after'];
  return { failAt: () => (random() < rate ? kinds[Math.floor(random() * kinds.length)] : undefined) };
}

export interface FaultPlan {
  /** 1-based call numbers (across both clients) that fail. */
  failAt: (call: number, commandName: string) => Fault | undefined;
}

export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

/** Returns a function that removes the fault again. `calls()` tells how many calls went through it. */
export function injectFaults(c: AwsClients, plan: FaultPlan) {
  let n = 0;
  const name = `fault-${Math.random().toString(36).slice(2)}`;
  for (const client of [c.elbv2, c.ec2, c.tagging]) {
    (client.middlewareStack as typeof c.elbv2.middlewareStack).add(
      (next, context) => async (args) => {
        n++;
        const fault = plan.failAt(n, (context as { commandName?: string }).commandName ?? '');
        if (fault === 'crash') throw new SimulatedCrash(`injected crash before call ${n}`);
        if (fault === 'crash-after') {
          // Whatever AWS answered (even an error), the caller never sees it.
          await next(args).catch(() => undefined);
          throw new SimulatedCrash(`injected crash after call ${n}`);
        }
        if (fault === 'server-error') {
          throw Object.assign(new Error('We encountered an internal error. Please try again.'), {
            name: 'InternalFailure',
            $metadata: { httpStatusCode: 500 },
            $fault: 'server',
          });
        }
        if (fault === 'reset') throw connectionReset();
        if (fault === 'reset-after') {
          await next(args).catch(() => undefined);
          throw connectionReset();
        }
        if (fault === 'throttle') {
          throw Object.assign(new Error('Rate exceeded'), {
            name: 'ThrottlingException',
            $metadata: { httpStatusCode: 400 },
            $fault: 'client',
          });
        }
        return next(args);
      },
      { step: 'deserialize', name, priority: 'high' },
    );
  }
  return {
    calls: () => n,
    remove() {
      c.elbv2.middlewareStack.remove(name);
      c.ec2.middlewareStack.remove(name);
      c.tagging.middlewareStack.remove(name);
    },
  };
}
