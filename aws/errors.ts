/** What every AWS adapter needs to know about SDK errors, whichever side of the queue it runs on. */

/** The AWS error code of an SDK service exception; undefined for anything else (network, our bugs). */
export function awsErrorCode(err: unknown): string | undefined {
  const e = err as { name?: string; Code?: string; $metadata?: unknown };
  return e?.$metadata !== undefined ? (e.Code ?? e.name) : undefined;
}

export const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);
