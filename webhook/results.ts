/**
 * The results consumer: long-polls the results queue and writes each outcome back to the cluster —
 * status hostname on every member, an Event, and finalizer removal for inactive members once AWS
 * confirmed the stack no longer includes them. Every result is also told to the stack health, so that the
 * forwarder re-sends a failing stack on its next change, and the first good result after a failure —
 * Succeeded, or Skipped when AWS was fixed by hand — gives the Ingresses a Normal `SuccessfullyReconciled`
 * Event to follow the Warning. A result older than one already seen writes no Event (it would bury the
 * newer one).
 */
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { formatLastError } from '../shared/codec';
import { EXPLICIT_FINALIZER_PREFIX, IMPLICIT_FINALIZER } from '../shared/groups';
import { ReconcileResult } from '../shared/messages';
import type { ClusterWriter } from './cluster-writer';
import { StackHealth } from './stack-health';

/** The finalizer a stack id stands for: implicit stacks are `ns/name`, group names have no `/`. */
export const finalizerOfStack = (stackId: string) =>
  stackId.includes('/') ? IMPLICIT_FINALIZER : `${EXPLICIT_FINALIZER_PREFIX}${stackId}`;

export async function applyResult(
  raw: unknown,
  writer: ClusterWriter,
  log: (line: string) => void,
  health: StackHealth = new StackHealth(),
): Promise<void> {
  const parsed = ReconcileResult.safeParse(raw);
  if (!parsed.success) {
    log(`results: ignoring a malformed ReconcileResult: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return;
  }
  const r = parsed.data;
  const transition = health.result(r);
  const tasks: Promise<void>[] = [];
  if (transition === 'stale') {
    log(`results: stack ${r.stackId} seq ${r.seq} (${r.outcome}) is older than a result already applied`);
  } else if (r.outcome === 'Failed') {
    const message = formatLastError(r.error ?? { reason: 'Internal', message: 'failed without an error' });
    for (const m of r.members)
      tasks.push(writer.event({ member: m, type: 'Warning', reason: 'FailedDeployModel', message }));
  } else {
    for (const m of r.members) {
      if (r.dnsName) tasks.push(writer.setStatus(m, r.dnsName, r.listenerPorts));
      if (r.outcome === 'Succeeded' || transition === 'recovered') {
        tasks.push(
          writer.event({
            member: m,
            type: 'Normal',
            reason: 'SuccessfullyReconciled',
            message: `Successfully reconciled stack ${r.stackId}${transition === 'recovered' ? ' (recovered from the earlier failure)' : ''}`,
          }),
        );
      }
    }
    const finalizer = finalizerOfStack(r.stackId);
    for (const m of r.inactiveMembers) tasks.push(writer.removeFinalizer(m, finalizer));
  }
  for (const t of await Promise.allSettled(tasks)) {
    if (t.status === 'rejected')
      log(`results: a write for stack ${r.stackId} failed: ${(t.reason as Error).message}`);
  }
}

export class ResultsConsumer {
  private running = false;
  private loop?: Promise<void>;
  private abort = new AbortController();

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly writer: ClusterWriter,
    private readonly isLeader: () => boolean,
    private readonly log: (line: string) => void,
    private readonly waitSeconds = 20,
    private readonly health = new StackHealth(),
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops at once: an in-flight long poll is aborted (its messages stay on the queue). */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
    this.abort = new AbortController();
  }

  /** One receive → apply → delete round; returns how many results it handled. */
  async pollOnce(waitSeconds = this.waitSeconds): Promise<number> {
    const r = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
      }),
    );
    for (const m of r.Messages ?? []) {
      let body: unknown;
      try {
        body = JSON.parse(m.Body ?? '');
      } catch {
        body = undefined;
      }
      await applyResult(body, this.writer, this.log, this.health);
      await this.sqs.send(
        new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: m.ReceiptHandle }),
      );
    }
    return r.Messages?.length ?? 0;
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (!this.isLeader()) {
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      try {
        await this.pollOnce();
      } catch (err) {
        if (!this.running) break;
        this.log(`results: receive failed: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }
}
