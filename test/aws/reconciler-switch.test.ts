/**
 * `albatross pause`, `resume` and `status --function-name` as an operator runs them (spawned CLI) against a
 * reconciler function and its SQS event source mapping in moto. The mapping is created disabled: an enabled
 * one makes moto try to run the function on every send, and this test only needs the switch.
 */
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  GetEventSourceMappingCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { functionNameOf, positionOf, queueOfArn } from '../../aws/reconciler-switch';
import { awsClientConfig, emulatorEnv, TEST_REGION } from '../support/moto';
import { runCli } from '../support/spawn-cli';

const endpoint = inject('motoEndpoint');
const sqs = new SQSClient(awsClientConfig(endpoint));
const lambda = new LambdaClient(awsClientConfig(endpoint));

const albatross = (args: string[]) => runCli(args, emulatorEnv(endpoint));
const FUNCTION = 'albatross-demo-reconciler';
/** The smallest valid zip (an empty archive): moto stores the code, it never runs it here. */
const EMPTY_ZIP = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]);

/** IAM has no client in this project; moto's query API takes one form POST (it checks no signature). */
async function createRole(name: string): Promise<string> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${TEST_REGION}/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({
      Action: 'CreateRole',
      Version: '2010-05-08',
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  });
  const text = await res.text();
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(text)?.[1];
  if (!arn) throw new Error(`CreateRole: ${res.status}: ${text.slice(0, 200)}`);
  return arn;
}

interface World {
  queueUrl: string;
  dlqUrl: string;
  mappingUuid: string;
}

async function createWorld(): Promise<World> {
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'albatross-demo-snapshots-dlq.fifo',
      Attributes: { FifoQueue: 'true', MessageRetentionPeriod: '1209600' },
    }),
  );
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'albatross-demo-snapshots.fifo',
      Attributes: {
        FifoQueue: 'true',
        MessageRetentionPeriod: '345600',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
      },
    }),
  );
  const queueArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  const role = await createRole('albatross-demo-reconciler-role');
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: FUNCTION,
      Runtime: 'nodejs22.x',
      Role: role,
      Handler: 'index.handler',
      Code: { ZipFile: EMPTY_ZIP },
    }),
  );
  const mapping = await lambda.send(
    new CreateEventSourceMappingCommand({
      FunctionName: FUNCTION,
      EventSourceArn: queueArn,
      BatchSize: 10,
      Enabled: false,
    }),
  );
  for (let i = 0; i < 3; i++) {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.QueueUrl,
        MessageBody: `{"n":${i}}`,
        MessageGroupId: `demo:stack-${i}`,
        MessageDeduplicationId: `m-${i}`,
      }),
    );
  }
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: dlq.QueueUrl,
      MessageBody: '{"gave":"up"}',
      MessageGroupId: 'demo:broken',
      MessageDeduplicationId: 'dead-1',
    }),
  );
  return { queueUrl: queue.QueueUrl!, dlqUrl: dlq.QueueUrl!, mappingUuid: mapping.UUID! };
}

async function mappingState(uuid: string): Promise<string | undefined> {
  return (await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State;
}

async function waiting(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages);
}

describe('the reconciler switch (moto)', () => {
  let w: World;
  beforeEach(async () => {
    await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    w = await createWorld();
  });

  it('status shows the function, the paused mapping, and the queue and DLQ depths from its redrive policy', async () => {
    const res = await albatross(['status', '--function-name', FUNCTION]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^reconciler +${FUNCTION} +Active`, 'm'));
    expect(res.stdout).toMatch(
      new RegExp(`^mapping +${w.mappingUuid} +Disabled \\(PAUSED\\) +batch 10`, 'm'),
    );
    expect(res.stdout).toMatch(/^queue +albatross-demo-snapshots\.fifo +3 waiting, 0 in flight, kept 4 d$/m);
    expect(res.stdout).toMatch(
      /^dead-letter +albatross-demo-snapshots-dlq\.fifo +1 waiting, 0 in flight, kept 14 d$/m,
    );
    expect(res.stdout).toContain('snapshots wait in the queue for up to 4 d');

    const json = await albatross(['status', '--function-name', FUNCTION, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      functionName: FUNCTION,
      functionState: 'Active',
      mappings: [
        {
          uuid: w.mappingUuid,
          state: 'Disabled',
          position: 'off',
          queue: { waiting: 3, inFlight: 0, url: w.queueUrl },
          deadLetterQueue: { waiting: 1, url: w.dlqUrl },
        },
      ],
    });
  });

  it('resume enables the mapping, pause disables it again, and the queued snapshots stay where they are', async () => {
    const resumed = await albatross(['resume', '--function-name', FUNCTION]);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(
      new RegExp(
        `^resumed: mapping ${w.mappingUuid} \\(albatross-demo-snapshots\\.fifo\\) Disabled → Enabl(ed|ing)$`,
        'm',
      ),
    );
    expect(positionOf(await mappingState(w.mappingUuid))).toBe('on');
    expect(resumed.stdout).toMatch(/\(running\)/);

    // By ARN works too (the CDK output and the console show ARNs).
    const arn = `arn:aws:lambda:${TEST_REGION}:123456789012:function:${FUNCTION}`;
    const paused = await albatross(['pause', '--function-name', arn, '--json']);
    expect(paused.code).toBe(0);
    const report = JSON.parse(paused.stdout) as {
      changes: Array<{ before: string; after: string; unchanged: boolean }>;
      status: { mappings: Array<{ position: string; queue: { waiting: number } }> };
    };
    expect(report.changes).toHaveLength(1);
    expect(report.changes[0]).toMatchObject({ unchanged: false });
    expect(positionOf(report.changes[0]!.after)).toBe('off');
    expect(report.status.mappings[0]).toMatchObject({ position: 'off', queue: { waiting: 3 } });
    expect(positionOf(await mappingState(w.mappingUuid))).toBe('off');
    expect(await waiting(w.queueUrl)).toBe(3);

    // Pausing a paused reconciler changes nothing and says so.
    const again = await albatross(['pause', '--function-name', FUNCTION]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^already paused: mapping .* is Disabl(ed|ing)$/m);
  });

  it('names the flag when the function is missing, unknown, or has no SQS mapping', async () => {
    const missing = await albatross(['pause']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing required flag --function-name');

    const unknown = await albatross(['resume', '--function-name', 'no-such-function']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^albatross resume: --function-name: no-such-function: expected/);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);

    const role = await createRole('other-role');
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'unrelated',
        Runtime: 'nodejs22.x',
        Role: role,
        Handler: 'index.handler',
        Code: { ZipFile: EMPTY_ZIP },
      }),
    );
    const noMapping = await albatross(['status', '--function-name', 'unrelated']);
    expect(noMapping.code).toBe(1);
    expect(noMapping.stderr).toContain(
      '--function-name: unrelated: expected a function with an SQS event source mapping',
    );
    expect(await mappingState(w.mappingUuid)).toBe('Disabled');
  });
});

describe('reconciler switch helpers', () => {
  it('reduces a function ARN to its name and reads queue ARNs', () => {
    expect(functionNameOf('arn:aws:lambda:eu-west-1:123456789012:function:rec')).toBe('rec');
    expect(functionNameOf('arn:aws:lambda:eu-west-1:123456789012:function:rec:live')).toBe('rec');
    expect(functionNameOf('rec')).toBe('rec');
    expect(queueOfArn('arn:aws:sqs:eu-west-1:123456789012:q.fifo')).toEqual({
      account: '123456789012',
      name: 'q.fifo',
    });
    expect(positionOf('Enabling')).toBe('on');
    expect(positionOf('Disabling')).toBe('off');
    expect(positionOf('Updating')).toBe('other');
  });
});
