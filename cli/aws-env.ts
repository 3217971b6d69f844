/**
 * The AWS side of the CLI: region and endpoint resolution, the reconciler's clients, and one-line errors
 * for the two ways a local run usually goes wrong — no credentials, or nothing listening at the endpoint.
 */

import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type AwsClients, createAwsClients } from '../aws/clients';

export interface AwsTarget {
  region: string;
  /** `AWS_ENDPOINT_URL` (an emulator); absent: real AWS. */
  endpoint?: string;
}

/** Region: `--region`, then `AWS_REGION`, `AWS_DEFAULT_REGION`, then us-east-1. */
export function resolveAwsTarget(
  flags: { region?: string },
  env: NodeJS.ProcessEnv = process.env,
): AwsTarget {
  const region = flags.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const endpoint = env.AWS_ENDPOINT_URL || undefined;
  return { region, ...(endpoint ? { endpoint } : {}) };
}

export function describeTarget(t: AwsTarget): string {
  return t.endpoint ? `${t.endpoint} (AWS_ENDPOINT_URL, ${t.region})` : `AWS ${t.region}`;
}

/**
 * Clients for a one-shot run: a few retries (a person is waiting) and a connect timeout, so an endpoint
 * that is down fails in seconds rather than after the SDK's full backoff.
 */
export function createCliClients(t: AwsTarget): AwsClients {
  return createAwsClients({
    region: t.region,
    ...(t.endpoint ? { endpoint: t.endpoint } : {}),
    maxAttempts: 3,
    timeouts: { connectMs: 5_000, requestMs: 60_000 },
  });
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
]);

/**
 * One line for errors that mean "AWS is not usable from here", or `undefined` for any other error (an
 * AWS API error about a resource is the reconciler's to report).
 */
export function describeAwsAccessError(err: unknown, t: AwsTarget): string | undefined {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  const name = e?.name ?? '';
  const code = e?.code ?? e?.cause?.code ?? '';
  const where = describeTarget(t);
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(e?.message ?? '')) {
    return `no AWS credentials for ${where}: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values for an emulator)`;
  }
  if (
    CONNECTION_CODES.has(code) ||
    name === 'TimeoutError' ||
    /ECONNREFUSED|ENOTFOUND|socket hang up/.test(e?.message ?? '')
  ) {
    const hint = t.endpoint
      ? 'is the emulator running? (unset AWS_ENDPOINT_URL to use real AWS)'
      : 'check the network and the region';
    return `cannot reach ${where}: ${code || name || e?.message}: ${hint}`;
  }
  if (
    ['InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch', 'ExpiredToken'].includes(
      name,
    )
  ) {
    return `AWS rejected the credentials for ${where}: ${name}: ${e?.message ?? ''}`.trim();
  }
  return undefined;
}

/** One cheap read, so that a run without AWS access stops with one clear line before doing anything. */
export async function checkAwsAccess(
  clients: AwsClients,
  t: AwsTarget,
): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    await clients.elbv2.send(new DescribeLoadBalancersCommand({ PageSize: 1 }));
    return { ok: true };
  } catch (err) {
    const message = describeAwsAccessError(err, t);
    // Any other error (AccessDenied, say) is not a reason to stop here: the reconciler reports it per stack.
    return message ? { ok: false, message } : { ok: true };
  }
}
