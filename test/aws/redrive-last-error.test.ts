/**
 * Where `albatross redrive`'s "last error" comes from, for real: the reconciler handler fails a snapshot
 * (IAM denies CreateLoadBalancer) on every delivery, and on the last one moves it to the DLQ itself with
 * the error attached. A message SQS moved on its own (the last attempt never finished) says so instead.
 */
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
import { type AwsClients, createAwsClients } from '../../aws/clients';
import { seedLocalWorld } from '../../cli/dev/seed';
import { sqsDeadLetterSink } from '../../lambda/dead-letter';
import { createHandler } from '../../lambda/handler';
import { startPump } from '../../lambda/local-event-source';
import { DEAD_LETTER_ATTRIBUTES, encodeSnapshotBody } from '../../shared/codec';
import type { StackSnapshot } from '../../shared/messages';
import { awsClientConfig, emulatorEnv, TEST_REGION } from '../support/moto';
import { stackSnapshot } from '../support/snapshot-fixtures';
import { runCli } from '../support/spawn-cli';

const endpoint = inject('motoEndpoint');
const CLUSTER = 'dlq-test';
const sqs = new SQSClient(awsClientConfig(endpoint));
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

function denyCreateLoadBalancer(clients: AwsClients): void {
  clients.elbv2.middlewareStack.add(
    (next, context) => async (args) => {
      if ((context as { commandName?: string }).commandName === 'CreateLoadBalancerCommand') {
        throw Object.assign(
          new Error('User is not authorized to perform: elasticloadbalancing:CreateLoadBalancer'),
          { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } },
        );
      }
      return next(args);
    },
    { step: 'deserialize', name: 'deny-create-lb', priority: 'high' },
  );
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

async function drain(queueUrl: string): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 30,
        MessageAttributeNames: ['All'],
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

const albatross = (args: string[]) => runCli(['redrive', ...args], emulatorEnv(endpoint));

const body = (s: StackSnapshot) => {
  const enc = encodeSnapshotBody(s);
  if (!enc.ok) throw new Error(enc.error.message);
  return enc.body;
};

describe('the last error of a parked snapshot (moto)', () => {
  let queueUrl = '';
  let dlqUrl = '';
  let vpcId = '';

  beforeEach(async () => {
    await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    vpcId = (await seedLocalWorld({ endpoint, region: TEST_REGION }, CLUSTER)).vpcId;
    dlqUrl = (
      await sqs.send(
        new CreateQueueCommand({ QueueName: 'parked-dlq.fifo', Attributes: { FifoQueue: 'true' } }),
      )
    ).QueueUrl!;
    const dlqArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    queueUrl = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: 'parked.fifo',
          Attributes: {
            FifoQueue: 'true',
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
          },
        }),
      )
    ).QueueUrl!;
  });

  it('the reconciler attaches the error on the last attempt; redrive shows it, or says none was recorded', async () => {
    const clients = createAwsClients({ endpoint, region: TEST_REGION, maxAttempts: 1 });
    denyCreateLoadBalancer(clients);
    const handler = createHandler({
      clients,
      cluster: CLUSTER,
      vpcId,
      deadLetter: sqsDeadLetterSink(sqs, dlqUrl, 2),
    });
    const failing = stackSnapshot({ cluster: CLUSTER, namespace: 'shop', name: 'web', seq: 7 });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body(failing),
        MessageGroupId: `${CLUSTER}:shop/web`,
        MessageDeduplicationId: 'web-7',
      }),
    );
    const pump = await startPump(sqs, queueUrl, handler);
    try {
      const deadline = Date.now() + 60_000;
      while ((await depth(dlqUrl)) === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 250));
      await pump.idle(500);
    } finally {
      await pump.stop();
    }
    // Two deliveries, both failed; the second moved it (and Lambda deleted it from the queue).
    expect(pump.received).toHaveLength(2);
    expect(await depth(queueUrl)).toBe(0);
    expect(await depth(dlqUrl)).toBe(1);

    // A second stack gives up the other way: received past maxReceiveCount, moved by SQS itself.
    const other = stackSnapshot({ cluster: CLUSTER, namespace: 'shop', name: 'api', seq: 3 });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body(other),
        MessageGroupId: `${CLUSTER}:shop/api`,
        MessageDeduplicationId: 'api-3',
      }),
    );
    for (let i = 0; i < 3; i++)
      await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0 }));
    expect(await depth(dlqUrl)).toBe(2);

    const listed = await albatross(['--dlq-url', dlqUrl, '--queue-url', queueUrl, '--dry-run']);
    expect(listed.code).toBe(0);
    const entries = listed.stdout.split(/\n(?=\S+: )/);
    const web = entries.find((e) => e.includes('stack shop/web'));
    const api = entries.find((e) => e.includes('stack shop/api'));
    expect(web).toMatch(
      /last error: AccessDenied: User is not authorized to perform: elasticloadbalancing:CreateLoadBalancer \(AWS AccessDenied\)(.*)? \(at \d{4}-\d\d-\d\dT/,
    );
    expect(web).toContain('gave up after 2 attempts');
    expect(api).toContain('last error: none recorded (SQS moved it');

    const json = JSON.parse((await albatross(['--dlq-url', dlqUrl, '--dry-run', '--json'])).stdout) as {
      entries: Array<{ snapshot: { stackId?: string }; lastError?: string; sourceQueueArn?: string }>;
    };
    const webEntry = json.entries.find((e) => e.snapshot.stackId === 'shop/web');
    expect(webEntry?.lastError).toMatch(/^AccessDenied: /);
    expect(webEntry?.sourceQueueArn).toMatch(/:parked\.fifo$/);

    // Replayed, the snapshot starts clean: the old error does not ride along into the queue.
    const moved = await albatross(['--dlq-url', dlqUrl, '--queue-url', queueUrl]);
    expect(moved.code).toBe(0);
    const back = await drain(queueUrl);
    expect(back).toHaveLength(2);
    for (const m of back) {
      for (const key of Object.values(DEAD_LETTER_ATTRIBUTES))
        expect(m.MessageAttributes?.[key]).toBeUndefined();
    }
  });
});
