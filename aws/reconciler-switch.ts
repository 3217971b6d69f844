/**
 * The reconciler's switch: its SQS event source mapping(s) disabled or enabled, and a view of the
 * function, the mapping and the queues behind it. A disabled mapping only stops Lambda from polling:
 * snapshots keep arriving and wait in the queue (up to its retention period), nothing is lost.
 *
 * Mappings are listed by function *name* (an ARN is reduced to its name): that works on AWS and on the
 * emulators, which do not all match ARNs. A state may be transitional (`Enabling`, `Disabling`, …) for a
 * few seconds on AWS; callers treat `Enabling` as on and `Disabling` as off.
 */
import {
  type EventSourceMappingConfiguration,
  GetFunctionCommand,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import type { ReconcilerControlClients } from './clients';

export type SwitchPosition = 'on' | 'off' | 'other';

export interface MappingView {
  uuid: string;
  /** As Lambda reports it: Enabled, Enabling, Disabled, Disabling, Creating, Updating, Deleting. */
  state: string;
  position: SwitchPosition;
  queueArn: string;
  batchSize?: number;
  maximumConcurrency?: number;
  stateTransitionReason?: string;
  lastModified?: string;
}

export interface QueueView {
  arn: string;
  url?: string;
  /** Visible messages: waiting to be received. */
  waiting?: number;
  /** Received and not yet deleted (being reconciled, or waiting out a visibility timeout). */
  inFlight?: number;
  /** Seconds a message is kept; what a pause may last before snapshots start to expire. */
  retentionSeconds?: number;
  /** Why the numbers are missing (no access, queue gone). */
  problem?: string;
}

export interface ReconcilerView {
  functionName: string;
  /** Active, Pending, Inactive, Failed. */
  functionState?: string;
  lastUpdateStatus?: string;
  mappings: (MappingView & { queue: QueueView; deadLetterQueue?: QueueView })[];
}

/** `arn:aws:lambda:eu-west-1:123456789012:function:albatross-reconciler[:alias]` → `albatross-reconciler`. */
export function functionNameOf(nameOrArn: string): string {
  const m = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)(:.*)?$/.exec(nameOrArn);
  return m ? m[1]! : nameOrArn;
}

export function positionOf(state: string | undefined): SwitchPosition {
  if (state === 'Enabled' || state === 'Enabling') return 'on';
  if (state === 'Disabled' || state === 'Disabling') return 'off';
  return 'other';
}

const isSqsArn = (arn: string | undefined): arn is string => !!arn && /^arn:aws[a-z-]*:sqs:/.test(arn);

function mappingView(m: EventSourceMappingConfiguration): MappingView {
  return {
    uuid: m.UUID ?? '',
    state: m.State ?? 'Unknown',
    position: positionOf(m.State),
    queueArn: m.EventSourceArn ?? '',
    ...(m.BatchSize !== undefined ? { batchSize: m.BatchSize } : {}),
    ...(m.ScalingConfig?.MaximumConcurrency !== undefined
      ? { maximumConcurrency: m.ScalingConfig.MaximumConcurrency }
      : {}),
    ...(m.StateTransitionReason ? { stateTransitionReason: m.StateTransitionReason } : {}),
    ...(m.LastModified ? { lastModified: new Date(m.LastModified).toISOString() } : {}),
  };
}

/** The function's SQS mappings; a typed error when it has none (nothing to switch). */
export async function sqsMappingsOf(
  c: ReconcilerControlClients,
  functionName: string,
): Promise<EventSourceMappingConfiguration[]> {
  const name = functionNameOf(functionName);
  const out: EventSourceMappingConfiguration[] = [];
  let Marker: string | undefined;
  do {
    const page = await c.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: name, Marker }));
    out.push(...(page.EventSourceMappings ?? []).filter((m) => isSqsArn(m.EventSourceArn)));
    Marker = page.NextMarker;
  } while (Marker);
  if (out.length === 0) throw new NoMappingError(name);
  return out;
}

export class NoMappingError extends Error {
  override name = 'NoMappingError';
  constructor(readonly functionName: string) {
    super(
      `--function-name: ${functionName}: expected a function with an SQS event source mapping (it has none; is it the reconciler?)`,
    );
  }
}

export interface SwitchChange {
  uuid: string;
  queueArn: string;
  before: string;
  after: string;
  /** Already in the asked position: nothing was called. */
  unchanged: boolean;
}

/** Turns every SQS mapping of the function on or off; a mapping already there is left alone. */
export async function setReconcilerSwitch(
  c: ReconcilerControlClients,
  functionName: string,
  position: 'on' | 'off',
): Promise<SwitchChange[]> {
  const changes: SwitchChange[] = [];
  for (const m of await sqsMappingsOf(c, functionName)) {
    const before = m.State ?? 'Unknown';
    const base = { uuid: m.UUID ?? '', queueArn: m.EventSourceArn ?? '', before };
    if (positionOf(before) === position) {
      changes.push({ ...base, after: before, unchanged: true });
      continue;
    }
    const updated = await c.lambda.send(
      new UpdateEventSourceMappingCommand({ UUID: m.UUID, Enabled: position === 'on' }),
    );
    changes.push({ ...base, after: updated.State ?? 'Unknown', unchanged: false });
  }
  return changes;
}

/** `arn:aws:sqs:eu-west-1:123456789012:albatross-prod-snapshots.fifo` → name and account. */
export function queueOfArn(arn: string): { name: string; account: string } | undefined {
  const m = /^arn:aws[a-z-]*:sqs:[^:]*:(\d*):(.+)$/.exec(arn);
  return m ? { account: m[1]!, name: m[2]! } : undefined;
}

async function queueView(
  c: ReconcilerControlClients,
  arn: string,
): Promise<{ view: QueueView; deadLetterArn?: string }> {
  const q = queueOfArn(arn);
  if (!q) return { view: { arn, problem: `not an SQS queue ARN` } };
  try {
    const { QueueUrl } = await c.sqs.send(
      new GetQueueUrlCommand({
        QueueName: q.name,
        ...(q.account ? { QueueOwnerAWSAccountId: q.account } : {}),
      }),
    );
    const { Attributes = {} } = await c.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'MessageRetentionPeriod',
          'RedrivePolicy',
        ],
      }),
    );
    const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
    let deadLetterArn: string | undefined;
    if (Attributes.RedrivePolicy) {
      try {
        deadLetterArn = (JSON.parse(Attributes.RedrivePolicy) as { deadLetterTargetArn?: string })
          .deadLetterTargetArn;
      } catch {
        // A policy SQS itself wrote is JSON; anything else just means no DLQ to show.
      }
    }
    const view: QueueView = {
      arn,
      ...(QueueUrl ? { url: QueueUrl } : {}),
      ...(num(Attributes.ApproximateNumberOfMessages) !== undefined
        ? { waiting: num(Attributes.ApproximateNumberOfMessages) }
        : {}),
      ...(num(Attributes.ApproximateNumberOfMessagesNotVisible) !== undefined
        ? { inFlight: num(Attributes.ApproximateNumberOfMessagesNotVisible) }
        : {}),
      ...(num(Attributes.MessageRetentionPeriod) !== undefined
        ? { retentionSeconds: num(Attributes.MessageRetentionPeriod) }
        : {}),
    };
    return { view, ...(deadLetterArn ? { deadLetterArn } : {}) };
  } catch (err) {
    const e = err as { name?: string; message?: string };
    return { view: { arn, problem: `${e.name ?? 'Error'}: ${e.message ?? String(err)}` } };
  }
}

/** The function, each SQS mapping and the depths of its queue and that queue's DLQ (from its RedrivePolicy). */
export async function describeReconciler(
  c: ReconcilerControlClients,
  functionName: string,
): Promise<ReconcilerView> {
  const name = functionNameOf(functionName);
  const fn = await c.lambda.send(new GetFunctionCommand({ FunctionName: name }));
  const mappings: ReconcilerView['mappings'] = [];
  for (const m of await sqsMappingsOf(c, name)) {
    const view = mappingView(m);
    const queue = await queueView(c, view.queueArn);
    const dlq = queue.deadLetterArn ? (await queueView(c, queue.deadLetterArn)).view : undefined;
    mappings.push({ ...view, queue: queue.view, ...(dlq ? { deadLetterQueue: dlq } : {}) });
  }
  return {
    functionName: name,
    ...(fn.Configuration?.State ? { functionState: fn.Configuration.State } : {}),
    ...(fn.Configuration?.LastUpdateStatus ? { lastUpdateStatus: fn.Configuration.LastUpdateStatus } : {}),
    mappings,
  };
}
