import { gzipSync } from 'node:zlib';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { API_VERSION, type StackSnapshot, stackDigest } from '../../shared/messages';
import { awsClientConfig, emulatorEnv } from '../support/moto';
import { runCli, runToEnd } from '../support/spawn-cli';

const endpoint = inject('motoEndpoint');
const sqs = new SQSClient(awsClientConfig(endpoint));

function snapshot(stackId: string, seq: number): StackSnapshot {
  return {
    apiVersion: API_VERSION,
    kind: 'StackSnapshot',
    cluster: 'demo',
    stackId,
    seq,
    digest: stackDigest(null),
    verify: false,
    members: [{ namespace: 'shop', name: stackId.replace('/', '-'), uid: 'u-1', resourceVersion: '7' }],
    inactiveMembers: [],
    stack: null,
  };
}

interface Queues {
  queueUrl: string;
  dlqUrl: string;
}

async function createQueues(): Promise<Queues> {
  const dlq = await sqs.send(
    new CreateQueueCommand({ QueueName: 'snapshots-dlq.fifo', Attributes: { FifoQueue: 'true' } }),
  );
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'snapshots.fifo',
      Attributes: {
        FifoQueue: 'true',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 2 }),
      },
    }),
  );
  return { queueUrl: queue.QueueUrl!, dlqUrl: dlq.QueueUrl! };
}

/** Fails a message into the DLQ the way production does: received maxReceiveCount times, never deleted. */
async function failIntoDlq(q: Queues, body: string, groupId: string): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: q.queueUrl,
      MessageBody: body,
      MessageGroupId: groupId,
      MessageDeduplicationId: `d-${Math.random()}`,
    }),
  );
  for (let i = 0; i < 3; i++) {
    await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: q.queueUrl, VisibilityTimeout: 0, MaxNumberOfMessages: 10 }),
    );
  }
}

/** Receives and deletes everything (deleting as it goes: FIFO hides a group's next message until then). */
async function drain(queueUrl: string): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 30,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return out;
    out.push(...Messages);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

async function depth(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

function albatross(args: string[]) {
  return runCli(['redrive', ...args], emulatorEnv(endpoint));
}

describe('albatross redrive (moto)', () => {
  let q: Queues;
  beforeEach(async () => {
    await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    q = await createQueues();
    await failIntoDlq(q, JSON.stringify(snapshot('shop', 4)), 'demo:shop');
    await failIntoDlq(q, JSON.stringify(snapshot('shop', 5)), 'demo:shop');
    const gz = gzipSync(Buffer.from(JSON.stringify(snapshot('payments/checkout', 9)))).toString('base64');
    await failIntoDlq(q, JSON.stringify({ contentEncoding: 'gzip', payload: gz }), 'demo:payments_checkout');
    await failIntoDlq(q, 'not json at all', 'demo:broken');
    expect(await depth(q.dlqUrl)).toBe(4);
    expect(await depth(q.queueUrl)).toBe(0);
  });

  it('--dry-run lists the messages with their stack and receive count, counts the ones behind, changes nothing', async () => {
    const res = await albatross(['--dlq-url', q.dlqUrl, '--queue-url', q.queueUrl, '--dry-run']);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/stack shop \(cluster demo, seq 4, deletion; members shop\/shop\)/);
    expect(res.stdout).toMatch(/stack payments\/checkout \(cluster demo, seq 9, deletion/);
    expect(res.stdout).toMatch(/undecodable body \(body: .*JSON/);
    expect(res.stdout).toMatch(/group demo:shop, received \d+×/);
    // moto, like SQS under load, hands out one message per FIFO group at a time: shop's seq 5 stays behind
    // seq 4, and the dry run says so instead of moving seq 4 out of the way.
    const listed = Number(/(\d+) message\(s\) in the DLQ listed; nothing changed/.exec(res.stdout)?.[1]);
    const behind = Number(/(\d+) more message\(s\) wait behind these/.exec(res.stdout)?.[1] ?? 0);
    expect(listed).toBeGreaterThanOrEqual(3);
    expect(listed + behind).toBe(4);
    // Non-TTY stderr: one plain progress line per message, no carriage returns.
    expect(res.stderr.split('\n').filter((l) => l.startsWith('redrive: '))).toHaveLength(listed);
    expect(res.stderr).not.toContain('\r');

    expect(await depth(q.queueUrl)).toBe(0);
    // Visible again immediately (visibility reset to 0), not after a timeout.
    const back = await drain(q.dlqUrl);
    expect(back).toHaveLength(4);
  });

  it('moves every message to the queue with its group and a fresh dedup id, then empties the DLQ', async () => {
    const res = await albatross(['--dlq-url', q.dlqUrl, '--queue-url', q.queueUrl, '--json']);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as {
      moved: number;
      failed: number;
      entries: Array<{ action: string }>;
    };
    expect(report).toMatchObject({ dryRun: false, moved: 4, failed: 0, notListed: 0 });
    expect(report.entries.map((e) => e.action)).toEqual(['moved', 'moved', 'moved', 'moved']);

    expect(await depth(q.dlqUrl)).toBe(0);
    const moved = await drain(q.queueUrl);
    expect(moved.map((m) => m.Attributes?.MessageGroupId).sort()).toEqual([
      'demo:broken',
      'demo:payments_checkout',
      'demo:shop',
      'demo:shop',
    ]);
    // Per-stack order survives the round trip.
    const shopSeqs = moved
      .filter((m) => m.Attributes?.MessageGroupId === 'demo:shop')
      .map((m) => (JSON.parse(m.Body ?? '{}') as { seq: number }).seq);
    expect(shopSeqs).toEqual([4, 5]);
    for (const m of moved) expect(m.Attributes?.MessageDeduplicationId).toMatch(/^redrive-[0-9a-f-]{36}$/);
    // Bodies are forwarded byte for byte (the gzip envelope stays an envelope).
    const shop = moved.find((m) => m.Attributes?.MessageGroupId === 'demo:shop');
    expect(shop).toBeDefined();
    expect(JSON.parse(shop?.Body ?? '{}')).toEqual(snapshot('shop', 4));
    const checkout = moved.find((m) => m.Attributes?.MessageGroupId === 'demo:payments_checkout');
    expect(JSON.parse(checkout?.Body ?? '{}')).toMatchObject({ contentEncoding: 'gzip' });
  });

  it('--max moves only that many and leaves the rest visible in the DLQ', async () => {
    const res = await albatross(['--dlq-url', q.dlqUrl, '--queue-url', q.queueUrl, '--max', '1']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('1 moved, 0 failed');
    expect(await drain(q.queueUrl)).toHaveLength(1);
    expect(await drain(q.dlqUrl)).toHaveLength(3);
  });

  it('keeps a message in the DLQ when the send fails, and exits non-zero', async () => {
    const missing = q.queueUrl.replace('snapshots.fifo', 'no-such-queue.fifo');
    const res = await albatross(['--dlq-url', q.dlqUrl, '--queue-url', missing]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/FAILED: send: /);
    // A stack whose first snapshot failed keeps the rest of its group in the DLQ, in order.
    expect(res.stdout).toMatch(/0 moved, [34] failed/);
    expect(await drain(q.dlqUrl)).toHaveLength(4);
  });

  it('draws a progress bar on stderr when stderr is a terminal', async () => {
    // util-linux `script` gives the child a real pseudo-terminal; its output is the terminal's.
    const cmd = [
      'node',
      'bin/albatross.js',
      'redrive',
      '--dlq-url',
      q.dlqUrl,
      '--queue-url',
      q.queueUrl,
      '--dry-run',
    ];
    const res = await runToEnd('script', ['-qec', cmd.join(' '), '/dev/null'], emulatorEnv(endpoint));
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('\r[....................] 0/4');
    expect(res.stdout).toMatch(/\r\[#{15}\.{5}\] 3\/4/);
    expect(res.stdout).not.toContain('redrive: 1/4');
  });

  it('rejects bad flags with the flag, the value and what was expected', async () => {
    const noQueue = await albatross(['--dlq-url', q.dlqUrl]);
    expect(noQueue.code).toBe(2);
    expect(noQueue.stderr).toContain('missing required flag --queue-url');
    const badMax = await albatross(['--dlq-url', q.dlqUrl, '--queue-url', q.queueUrl, '--max', 'lots']);
    expect(badMax.code).toBe(2);
    expect(badMax.stderr).toContain('--max: "lots": expected a positive integer');
    expect(await depth(q.dlqUrl)).toBe(4);
  });
});
