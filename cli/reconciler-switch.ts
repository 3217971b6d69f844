/**
 * `pause`, `resume` and `status --function-name`: the CLI side of aws/reconciler-switch.ts — flags, one-line
 * errors, and the view printed after every switch so the operator sees what waits in the queues.
 */
import type { AwsClientOptions } from '../aws/clients';
import { createReconcilerControlClients } from '../aws/clients';
import {
  describeReconciler,
  NoMappingError,
  type QueueView,
  queueOfArn,
  type ReconcilerView,
  type SwitchChange,
  setReconcilerSwitch,
} from '../aws/reconciler-switch';
import { type AwsTarget, describeAwsAccessError, describeTarget, resolveAwsTarget } from './aws-env';
import { defineCommand } from './command';
import { CliError } from './errors';
import { JSON_OUTPUT, REGION } from './flags';

export function controlClients(t: AwsTarget) {
  const o: AwsClientOptions = {
    region: t.region,
    ...(t.endpoint ? { endpoint: t.endpoint } : {}),
    maxAttempts: 3,
    timeouts: { connectMs: 5_000, requestMs: 30_000 },
  };
  return createReconcilerControlClients(o);
}

/** One line for what went wrong talking to Lambda/SQS. */
export function describeControlError(err: unknown, functionName: string, t: AwsTarget): string {
  if (err instanceof NoMappingError) return err.message;
  const access = describeAwsAccessError(err, t);
  if (access) return access;
  const e = err as { name?: string; message?: string };
  if (e.name === 'ResourceNotFoundException')
    return `--function-name: ${functionName}: expected a Lambda function in ${describeTarget(t)} (not found)`;
  return `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
}

const queueName = (arn: string) => queueOfArn(arn)?.name ?? arn;

function duration(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600} h`;
  return `${Math.round(seconds / 60)} min`;
}

function queueLine(label: string, q: QueueView): string {
  if (q.problem) return `${label.padEnd(12)}${queueName(q.arn)}: ${q.problem}`;
  const facts = [
    `${q.waiting ?? '?'} waiting`,
    `${q.inFlight ?? '?'} in flight`,
    ...(q.retentionSeconds !== undefined ? [`kept ${duration(q.retentionSeconds)}`] : []),
  ];
  return `${label.padEnd(12)}${queueName(q.arn)}  ${facts.join(', ')}`;
}

export function formatReconcilerView(v: ReconcilerView): string {
  const fn = [v.functionState ?? 'unknown', v.lastUpdateStatus ? `last update ${v.lastUpdateStatus}` : '']
    .filter(Boolean)
    .join(', ');
  const lines = [`${'reconciler'.padEnd(12)}${v.functionName}  ${fn}`];
  for (const m of v.mappings) {
    const running = m.position === 'on' ? 'running' : m.position === 'off' ? 'PAUSED' : 'changing';
    const facts = [
      m.batchSize !== undefined ? `batch ${m.batchSize}` : '',
      m.maximumConcurrency !== undefined ? `max concurrency ${m.maximumConcurrency}` : '',
    ].filter(Boolean);
    lines.push(
      `${'mapping'.padEnd(12)}${m.uuid}  ${m.state} (${running})${facts.length ? `  ${facts.join(', ')}` : ''}`,
    );
    lines.push(queueLine('queue', m.queue));
    if (m.deadLetterQueue) lines.push(queueLine('dead-letter', m.deadLetterQueue));
    if (m.position === 'off') {
      const kept = m.queue.retentionSeconds;
      lines.push(
        `${''.padEnd(12)}snapshots wait in the queue${kept !== undefined ? ` for up to ${duration(kept)} (then SQS deletes them; the webhook's resync sends fresh ones)` : ''}; albatross resume --function-name ${v.functionName}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export function formatChanges(verb: 'paused' | 'resumed', changes: SwitchChange[]): string {
  return changes
    .map((c) =>
      c.unchanged
        ? `already ${verb}: mapping ${c.uuid} (${queueName(c.queueArn)}) is ${c.after}`
        : `${verb}: mapping ${c.uuid} (${queueName(c.queueArn)}) ${c.before} → ${c.after}`,
    )
    .map((l) => `${l}\n`)
    .join('');
}

/** `albatross pause` / `albatross resume`. */
export function switchCommand(position: 'on' | 'off') {
  const verb = position === 'off' ? 'paused' : 'resumed';
  return defineCommand({
    flags: {
      'function-name': {
        type: 'string',
        placeholder: 'NAME|ARN',
        required: true,
        description: 'the reconciler Lambda (stack output ReconcilerFunctionName)',
      },
      region: REGION,
      json: { ...JSON_OUTPUT, description: 'print the change and the status as JSON' },
    },
    async run({ flags, json }) {
      const functionName = flags['function-name'];
      const target = resolveAwsTarget(flags);
      const clients = controlClients(target);
      try {
        const changes = await setReconcilerSwitch(clients, functionName, position);
        const view = await describeReconciler(clients, functionName);
        if (json) process.stdout.write(`${JSON.stringify({ changes, status: view }, null, 2)}\n`);
        else process.stdout.write(`${formatChanges(verb, changes)}\n${formatReconcilerView(view)}`);
        return 0;
      } catch (err) {
        throw new CliError('failed', describeControlError(err, functionName, target), {
          flag: 'function-name',
        });
      }
    },
  });
}

/** `albatross status --function-name F`: the reconciler's part of the status. */
export async function reconcilerStatus(
  functionName: string,
  target: AwsTarget,
): Promise<{ ok: true; view: ReconcilerView } | { ok: false; message: string }> {
  try {
    return { ok: true, view: await describeReconciler(controlClients(target), functionName) };
  } catch (err) {
    return { ok: false, message: describeControlError(err, functionName, target) };
  }
}
