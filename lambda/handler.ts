/**
 * The reconciler Lambda: SQS FIFO batches of StackSnapshots in, converged AWS out (SPEC §6.2), with
 * `ReportBatchItemFailures`.
 *
 * Per batch: decode and validate every record, coalesce per stack (highest `seq` wins), then reconcile the
 * winners one at a time in batch order. A stack that fails stops its FIFO group: it and every later record
 * of that group go back in `batchItemFailures`; other stacks still run (see `sqs/batch.ts` for the batch
 * rules, why the scope is the group and not the batch, and why malformed records are dropped — logged,
 * counted, reported — rather than retried).
 *
 * What counts as failed: a `Failed` outcome, whatever its reason — throttling and 5xx were already
 * retried inside the SDK, and SPEC §6.2.8 sends everything else through SQS retries to the DLQ, where an
 * operator fixes the cause and runs `albatross redrive`. A Succeeded/Skipped stack whose result could
 * not be sent is failed too: the retry is cheap (the digest fast path) and the webhook needs the result
 * (status, Events, finalizers). Every attempt sends its result (the webhook's Events), and the last
 * attempt moves the message to the DLQ itself with its error attached (lambda/dead-letter.ts), so that
 * `albatross redrive` shows why each parked snapshot gave up.
 *
 * Configuration (environment, read on the first invocation of a container):
 * `ALBATROSS_CLUSTER_NAME` (required), `ALBATROSS_VPC_ID`, `RESULTS_QUEUE_URL` (unset: results are only
 * logged), `ALBATROSS_DLQ_URL` + `ALBATROSS_MAX_RECEIVE_COUNT` (the last failed attempt moves the message
 * to the DLQ itself, with its error as message attributes: lambda/dead-letter.ts), `AWS_REGION`, `AWS_ENDPOINT_URL` (emulators), `POWERTOOLS_*`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { StackSnapshot } from '../shared/messages';
import { FAILURE_LOG_FIELDS, FAILURE_LOG_MESSAGE } from '../shared/metric-names';
import { type DeadLetterSink, isLastAttempt, sqsDeadLetterSink } from './dead-letter';
import { createMetrics, type ReconcilerMetrics, SERVICE_NAME } from './metrics';
import {
  type AwsClients,
  createAwsClients,
  type ReconcileOptions,
  type ReconcileOutcome,
  reconcileStack,
} from './reconciler';
import { malformedResult, type ResultSink, resultOf, sqsResultSink } from './results';
import { type FailureScope, failureTracker, type MalformedItem, planBatch, type WorkItem } from './sqs/batch';

export type ReconcileFn = (
  snapshot: StackSnapshot,
  clients: AwsClients,
  opts: ReconcileOptions,
) => Promise<ReconcileOutcome>;

export interface HandlerDeps {
  clients: AwsClients;
  cluster: string;
  vpcId?: string;
  /** Absent: results are logged only. */
  results?: ResultSink;
  /** Absent: SQS moves a message that keeps failing to the DLQ by itself, without its error. */
  deadLetter?: DeadLetterSink;
  logger?: Logger;
  metrics?: ReconcilerMetrics;
  /** Default `reconcileStack`. */
  reconcile?: ReconcileFn;
  now?: () => number;
  /** Which later records a failure holds back: its FIFO group (default) or the whole batch. */
  failureScope?: FailureScope;
  /**
   * After the first stack, none is started with less than this much invocation time left (default 15 s;
   * the Lambda's timeout is 60 s): the rest go back to the queue, so that a timeout does not throw away the
   * batch's finished work (a timed-out invocation reports nothing, and every record of it comes back).
   */
  reserveMs?: number;
}

/** The part of the Lambda context the handler uses. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

export type SqsBatchHandler = (event: SQSEvent, context?: InvocationContext) => Promise<SQSBatchResponse>;

const MESSAGE_KEYS = ['messageId', 'stackId', 'seq', 'digest'];

export function createHandler(deps: HandlerDeps): SqsBatchHandler {
  const logger =
    deps.logger ?? new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });
  const metrics = deps.metrics ?? createMetrics();
  const reconcile = deps.reconcile ?? reconcileStack;
  const now = deps.now ?? (() => performance.now());
  const scope = deps.failureScope ?? 'group';
  const reserveMs = deps.reserveMs ?? 15_000;
  const opts: ReconcileOptions = { cluster: deps.cluster, ...(deps.vpcId ? { vpcId: deps.vpcId } : {}) };
  if (!deps.results) logger.warn('RESULTS_QUEUE_URL is not set: results are logged, not sent');

  /** True when the stack is done (Succeeded/Skipped and its result sent). */
  async function runStack(item: WorkItem, record: SQSRecord | undefined): Promise<boolean> {
    const { snapshot } = item;
    logger.appendKeys({
      messageId: item.messageId,
      stackId: snapshot.stackId,
      seq: snapshot.seq,
      digest: snapshot.digest,
    });
    try {
      if (item.supersedes.length > 0) {
        logger.info('coalesced older snapshots of this stack', {
          superseded: item.supersedes.map((s) => ({ messageId: s.messageId, seq: s.seq })),
        });
      }
      const started = now();
      // `reconcileStack` never throws; anything else injected here is held to the same rule.
      const outcome = await Promise.resolve()
        .then(() => reconcile(snapshot, deps.clients, opts))
        .catch(
          (err: unknown): ReconcileOutcome => ({
            outcome: 'Failed',
            error: {
              reason: 'Internal',
              message: `reconciler crashed: ${(err as Error)?.message ?? String(err)}`,
            },
            changes: [],
            apiCalls: { read: 0, write: 0 },
            throttled: 0,
          }),
        );
      const durationMs = now() - started;
      metrics.stack({
        outcome: outcome.outcome,
        ...(outcome.outcome === 'Failed' ? { reason: outcome.error.reason } : {}),
        durationMs,
        apiCalls: outcome.apiCalls,
        throttled: outcome.throttled ?? 0,
      });
      const summary = {
        outcome: outcome.outcome,
        deletion: snapshot.stack === null,
        verify: snapshot.verify,
        durationMs: Math.round(durationMs),
        apiCalls: outcome.apiCalls,
        changes: outcome.changes,
      };
      if (outcome.outcome === 'Failed') {
        // Flat fields (stackId comes from the appended keys): the dashboard's "failing stacks" query
        // reads them without parsing nested JSON.
        logger.error(FAILURE_LOG_MESSAGE, {
          ...summary,
          [FAILURE_LOG_FIELDS.reason]: outcome.error.reason,
          [FAILURE_LOG_FIELDS.errorMessage]: outcome.error.message,
          ...(outcome.error.awsCode ? { [FAILURE_LOG_FIELDS.awsCode]: outcome.error.awsCode } : {}),
          error: outcome.error,
        });
      } else {
        logger.info(outcome.outcome === 'Skipped' ? 'already converged' : 'reconciled', {
          ...summary,
          dnsName: outcome.dnsName,
        });
      }

      const result = resultOf(snapshot, outcome, durationMs);
      if (deps.results) {
        const sent = await deps.results.send(result);
        if (!sent.ok) {
          logger.error('result not sent; the stack is retried so that its result is not lost', {
            error: sent.message,
          });
          return false;
        }
      } else {
        logger.info('result', { result });
      }
      if (outcome.outcome !== 'Failed') return true;
      if (deps.deadLetter && record && isLastAttempt(record, deps.deadLetter.maxReceiveCount)) {
        const moved = await deps.deadLetter.send(record, outcome.error);
        if (moved.ok) {
          logger.warn('last attempt failed: moved to the DLQ with its error (albatross redrive shows it)', {
            dlqMessageId: moved.messageId,
          });
          return true;
        }
        logger.error('last attempt failed and the move to the DLQ failed; SQS moves it without the error', {
          error: moved.message,
        });
      }
      return false;
    } finally {
      logger.removeKeys(MESSAGE_KEYS);
    }
  }

  async function reportMalformed(item: MalformedItem): Promise<void> {
    const { identity } = item;
    logger.warn('malformed snapshot message dropped', {
      messageId: item.messageId,
      reason: item.reason,
      ...(identity.stackId !== undefined ? { stackId: identity.stackId } : {}),
      ...(identity.seq !== undefined ? { seq: identity.seq } : {}),
      ...(identity.cluster !== undefined ? { cluster: identity.cluster } : {}),
    });
    const result = malformedResult(identity, item.reason);
    if (result && deps.results) {
      const sent = await deps.results.send(result);
      if (!sent.ok)
        logger.error('result of a malformed message not sent', {
          messageId: item.messageId,
          error: sent.message,
        });
    }
  }

  return async (event, context) => {
    try {
      const plan = planBatch(
        event.Records.map((r) => ({
          messageId: r.messageId,
          body: r.body,
          ...(r.attributes?.MessageGroupId ? { groupId: r.attributes.MessageGroupId } : {}),
        })),
      );
      const tracker = failureTracker(plan, scope);
      const records = new Map(event.Records.map((r) => [r.messageId, r]));
      let started = 0;
      for (const item of plan.work) {
        if (tracker.held(item.index)) {
          logger.info('not run: an earlier message of its FIFO group failed in this batch', {
            messageId: item.messageId,
            stackId: item.snapshot.stackId,
            seq: item.snapshot.seq,
          });
          continue;
        }
        const left = context?.getRemainingTimeInMillis();
        if (started > 0 && left !== undefined && left < reserveMs) {
          logger.warn('invocation time nearly used up: the stack goes back to the queue', {
            messageId: item.messageId,
            stackId: item.snapshot.stackId,
            seq: item.snapshot.seq,
            remainingMs: left,
          });
          tracker.fail(item.index);
          continue;
        }
        started++;
        if (!(await runStack(item, records.get(item.messageId)))) tracker.fail(item.index);
      }
      // A malformed record held behind a failure is redelivered with it, and dropped and counted then.
      const dropped = plan.malformed.filter((item) => !tracker.held(item.index));
      for (const item of dropped) await reportMalformed(item);
      metrics.batch({ coalesced: plan.coalesced, malformed: dropped.length });
      const failures = tracker.failures();
      logger.info('batch done', {
        records: event.Records.length,
        stacks: plan.work.length,
        coalesced: plan.coalesced,
        malformed: dropped.length,
        retried: failures.length,
      });
      return { batchItemFailures: failures };
    } finally {
      metrics.flush();
    }
  };
}

/** Handler dependencies from the Lambda environment. */
export function depsFromEnv(env: NodeJS.ProcessEnv = process.env): HandlerDeps {
  const cluster = env.ALBATROSS_CLUSTER_NAME;
  if (!cluster) {
    throw new Error(
      'ALBATROSS_CLUSTER_NAME: (missing): expected the name of the cluster this reconciler serves',
    );
  }
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const endpoint = env.AWS_ENDPOINT_URL || undefined;
  const clients = createAwsClients({ region, ...(endpoint ? { endpoint } : {}) });
  const sqs = new SQSClient({ region, ...(endpoint ? { endpoint } : {}) });
  const resultsUrl = env.RESULTS_QUEUE_URL;
  const results = resultsUrl ? sqsResultSink(sqs, resultsUrl) : undefined;
  const dlqUrl = env.ALBATROSS_DLQ_URL;
  const maxReceiveCount = Number(env.ALBATROSS_MAX_RECEIVE_COUNT);
  if (dlqUrl && !(Number.isInteger(maxReceiveCount) && maxReceiveCount >= 1)) {
    throw new Error(
      `ALBATROSS_MAX_RECEIVE_COUNT: ${JSON.stringify(env.ALBATROSS_MAX_RECEIVE_COUNT ?? '(missing)')}: expected the snapshot queue's maxReceiveCount (a positive integer) when ALBATROSS_DLQ_URL is set`,
    );
  }
  const deadLetter = dlqUrl ? sqsDeadLetterSink(sqs, dlqUrl, maxReceiveCount) : undefined;
  return {
    clients,
    cluster,
    ...(env.ALBATROSS_VPC_ID ? { vpcId: env.ALBATROSS_VPC_ID } : {}),
    ...(results ? { results } : {}),
    ...(deadLetter ? { deadLetter } : {}),
  };
}

let fromEnv: SqsBatchHandler | undefined;

/** The Lambda entry point: clients and configuration are created once per container. */
export const handler: SqsBatchHandler = (event, context) => {
  fromEnv ??= createHandler(depsFromEnv());
  return fromEnv(event, context);
};
