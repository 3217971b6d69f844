/**
 * Calls whose answer may have been lost. The SDK retries throttling, 5xx and reset connections, so a
 * create or delete can take effect on an attempt whose answer never arrived; the next attempt then meets
 * the result ("duplicate", "not found"). These helpers turn that into the outcome the caller wanted.
 */
import { awsErrorCode } from '../../aws/errors';
import { ReconcileFailure } from './errors';

const GONE = new Set([
  'LoadBalancerNotFound',
  'TargetGroupNotFound',
  'ListenerNotFound',
  'RuleNotFound',
  'InvalidGroup.NotFound',
  'InvalidPermission.NotFound',
]);

/** A delete is done when the thing is gone, whoever removed it (an earlier attempt, a racer, a person). */
export async function deleted(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (!GONE.has(awsErrorCode(err) ?? '')) throw err;
  }
}

/** True when the SDK sent the call more than once: an earlier attempt may have taken effect unseen. */
export const retried = (out: { $metadata?: { attempts?: number } } | undefined): boolean =>
  (out?.$metadata?.attempts ?? 1) > 1;

/**
 * Runs `create`; when it fails with one of `codes` (the resource exists already), `rediscover` finds it.
 * What is found must be ours (the caller checks tags) — else it is another writer's: a `Conflict`.
 */
export async function createOrAdopt<T>(
  create: () => Promise<T>,
  codes: readonly string[],
  rediscover: () => Promise<T | undefined>,
  what: string,
): Promise<T> {
  try {
    return await create();
  } catch (err) {
    if (!codes.includes(awsErrorCode(err) ?? '')) throw err;
    const found = await rediscover();
    if (found !== undefined) return found;
    throw conflict(what, awsErrorCode(err));
  }
}

export const conflict = (what: string, awsCode?: string) =>
  new ReconcileFailure(
    'Conflict',
    `${what} changed while this reconcile ran (another reconcile of the stack at the same time?); the next attempt converges`,
    what,
    awsCode,
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Reads once more, after a moment, when the first read is not yet what a finished create looks like: a
 * racer's resource can be visible before its tags are (the emulator tags after creating), and a
 * resource without our tags is only called foreign once it has had time to get them.
 */
export async function afterSettling<T>(
  read: () => Promise<T>,
  settled: (v: T) => boolean,
  waitMs = 300,
): Promise<T> {
  const first = await read();
  if (settled(first)) return first;
  await sleep(waitMs);
  return read();
}
