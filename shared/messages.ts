/**
 * The two messages that cross the queues (SPEC §6.1), validated at both ends with the same schemas.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { DesiredStack } from './model';

export const API_VERSION = 'albatross.dev/v1';

export const MemberRef = z.object({
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  resourceVersion: z.string(),
});
export type MemberRef = z.infer<typeof MemberRef>;

export const StackSnapshot = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('StackSnapshot'),
  cluster: z.string().min(1),
  stackId: z.string().min(1),
  seq: z.number().int().nonnegative(),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  verify: z.boolean(),
  members: z.array(MemberRef),
  inactiveMembers: z.array(MemberRef),
  /** `null`: delete every AWS resource of this stack. */
  stack: DesiredStack.nullable(),
});
export type StackSnapshot = z.infer<typeof StackSnapshot>;

export const FailureReason = z.enum([
  'InvalidSnapshot',
  'Conflict',
  'NotOwned',
  'LimitExceeded',
  'AccessDenied',
  'Throttled',
  'NotFound',
  'AwsError',
  'Internal',
]);
export type FailureReason = z.infer<typeof FailureReason>;

export const ReconcileError = z.object({
  reason: FailureReason,
  message: z.string(),
  awsCode: z.string().optional(),
  /** The AWS resource (name, ARN or tracking id) the error is about. */
  resource: z.string().optional(),
});
export type ReconcileError = z.infer<typeof ReconcileError>;

export const ReconcileResult = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('ReconcileResult'),
  cluster: z.string(),
  stackId: z.string(),
  seq: z.number().int().nonnegative(),
  digest: z.string(),
  outcome: z.enum(['Succeeded', 'Failed', 'Skipped']),
  dnsName: z.string().optional(),
  listenerPorts: z.array(z.object({ port: z.number().int(), protocol: z.string() })),
  error: ReconcileError.optional(),
  members: z.array(MemberRef),
  inactiveMembers: z.array(MemberRef),
  durationMs: z.number().nonnegative(),
  apiCalls: z.object({ read: z.number().int().nonnegative(), write: z.number().int().nonnegative() }),
});
export type ReconcileResult = z.infer<typeof ReconcileResult>;

/** JSON with object keys sorted at every level and no whitespace: equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** SHA-256 (hex) of the canonical JSON of the desired stack (`null` for a deletion). */
export function stackDigest(stack: DesiredStack | null): string {
  return createHash('sha256').update(canonicalJson(stack)).digest('hex');
}
