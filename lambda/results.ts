/**
 * ReconcileResults (SPEC §6.1) for the results queue: what the webhook turns into Ingress status, Events
 * (`SuccessfullyReconciled`, `FailedDeployModel` with the AWS error) and finalizer removal.
 *
 * A failing stack gets a Failed result on every attempt, so the Events it becomes always carry the
 * latest error; the DLQ copy carries it too (lambda/dead-letter.ts).
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SnapshotIdentity } from '../shared/codec';
import { API_VERSION, type ReconcileError, ReconcileResult, type StackSnapshot } from '../shared/messages';
import type { ReconcileOutcome } from './reconciler';

export function resultOf(
  snapshot: StackSnapshot,
  outcome: ReconcileOutcome,
  durationMs: number,
): ReconcileResult {
  const base = {
    apiVersion: API_VERSION as typeof API_VERSION,
    kind: 'ReconcileResult' as const,
    cluster: snapshot.cluster,
    stackId: snapshot.stackId,
    seq: snapshot.seq,
    digest: snapshot.digest,
    members: snapshot.members,
    inactiveMembers: snapshot.inactiveMembers,
    durationMs: Math.max(0, Math.round(durationMs)),
    apiCalls: outcome.apiCalls,
  };
  if (outcome.outcome === 'Failed') {
    return { ...base, outcome: 'Failed', listenerPorts: [], error: outcome.error };
  }
  return {
    ...base,
    outcome: outcome.outcome,
    ...(outcome.dnsName ? { dnsName: outcome.dnsName } : {}),
    listenerPorts: outcome.listenerPorts,
  };
}

/**
 * The Failed result for a message that is not a valid snapshot but still names its stack, so that the
 * Ingresses behind it show the reason. `undefined` when the body does not say which stack it is.
 */
export function malformedResult(identity: SnapshotIdentity, reason: string): ReconcileResult | undefined {
  if (identity.cluster === undefined || identity.stackId === undefined) return undefined;
  const error: ReconcileError = { reason: 'InvalidSnapshot', message: reason };
  return {
    apiVersion: API_VERSION,
    kind: 'ReconcileResult',
    cluster: identity.cluster,
    stackId: identity.stackId,
    seq: identity.seq ?? 0,
    digest: identity.digest ?? '',
    outcome: 'Failed',
    listenerPorts: [],
    error,
    members: [],
    inactiveMembers: [],
    durationMs: 0,
    apiCalls: { read: 0, write: 0 },
  };
}

export type SendResult = { ok: true; messageId?: string } | { ok: false; message: string };

export interface ResultSink {
  send(result: ReconcileResult): Promise<SendResult>;
}

/** Sends each result, validated against the schema first, to a standard SQS queue. Never throws. */
export function sqsResultSink(sqs: SQSClient, queueUrl: string): ResultSink {
  return {
    async send(result) {
      const parsed = ReconcileResult.safeParse(result);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return {
          ok: false,
          message: `ReconcileResult: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
        };
      }
      try {
        const out = await sqs.send(
          new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(parsed.data) }),
        );
        return { ok: true, messageId: out.MessageId };
      } catch (err) {
        const e = err as { name?: string; message?: string };
        return {
          ok: false,
          message: `SendMessage to ${queueUrl}: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`,
        };
      }
    },
  };
}
