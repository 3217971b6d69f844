/**
 * Operations figures: how long the CDK app takes to synthesize (inline code vs the esbuild bundle of the
 * reconciler), and how fast `albatross redrive` drains a DLQ against moto (dry run and real move).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { redrive } from '../cli/commands/redrive';
import { reconcilerCode } from '../infra/aws/reconciler-code';
import { AlbatrossStack } from '../infra/aws/stack';
import { API_VERSION, stackDigest } from '../shared/messages';
import { awsClientConfig, startMoto } from '../test/support/moto';

interface Row {
  case: string;
  figure: string;
}

function print(rows: Row[]): void {
  const w = Math.max(...rows.map((r) => r.case.length));
  for (const r of rows) process.stdout.write(`${r.case.padEnd(w)}  ${r.figure}\n`);
}

async function synthMs(makeCode: (dir: string) => Code | Promise<Code>): Promise<number> {
  const outdir = mkdtempSync(join(tmpdir(), 'albatross-bench-cdk-'));
  try {
    const t0 = performance.now();
    const app = new App({ outdir });
    const lambdaCode = await makeCode(join(outdir, 'bundle'));
    new AlbatrossStack(app, 'Bench', { clusterName: 'bench', vpcId: 'vpc-123', lambdaCode });
    app.synth();
    return performance.now() - t0;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

async function fillDlq(sqs: SQSClient, url: string, count: number, groups: number): Promise<void> {
  const body = (i: number) =>
    JSON.stringify({
      apiVersion: API_VERSION,
      kind: 'StackSnapshot',
      cluster: 'bench',
      stackId: `stack-${i % groups}`,
      seq: i,
      digest: stackDigest(null),
      verify: false,
      members: [],
      inactiveMembers: [],
      stack: null,
    });
  for (let i = 0; i < count; i += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: Math.min(10, count - i) }, (_, j) => ({
          Id: String(j),
          MessageBody: body(i + j),
          MessageGroupId: `bench:stack-${(i + j) % groups}`,
          MessageDeduplicationId: `m-${i + j}`,
        })),
      }),
    );
  }
}

export async function run(): Promise<void> {
  const rows: Row[] = [];
  rows.push({
    case: 'cdk synth, inline Lambda code',
    figure: `${(await synthMs(() => Code.fromInline('x'))).toFixed(0)} ms`,
  });
  const handler = new URL('../lambda/handler.ts', import.meta.url);
  rows.push({
    case: 'cdk synth, esbuild bundle of lambda/handler.ts',
    figure: existsSync(handler)
      ? `${(await synthMs((dir) => reconcilerCode({ outdir: dir }))).toFixed(0)} ms`
      : 'n/a (lambda/handler.ts not there yet)',
  });

  const moto = await startMoto();
  try {
    const sqs = new SQSClient(awsClientConfig(moto.endpoint, { maxAttempts: 1 }));
    const calls = new Map<string, number>();
    sqs.middlewareStack.add(
      (next, context) => async (args) => {
        calls.set(context.commandName ?? '?', (calls.get(context.commandName ?? '?') ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'countCalls' },
    );
    const callSummary = () =>
      [...calls].map(([name, n]) => `${name.replace(/Command$/, '')} ${n}`).join(', ');
    const count = 200;
    const groups = 50;
    const dlq = await sqs.send(
      new CreateQueueCommand({ QueueName: 'dlq.fifo', Attributes: { FifoQueue: 'true' } }),
    );
    const queue = await sqs.send(
      new CreateQueueCommand({ QueueName: 'q.fifo', Attributes: { FifoQueue: 'true' } }),
    );
    await fillDlq(sqs, dlq.QueueUrl!, count, groups);

    calls.clear();
    let t0 = performance.now();
    const listed = await redrive(sqs, { dlqUrl: dlq.QueueUrl!, dryRun: true });
    let ms = performance.now() - t0;
    rows.push({
      case: `redrive --dry-run, ${count} msgs in ${groups} groups`,
      figure: `${listed.entries.length} listed in ${ms.toFixed(0)} ms (${((listed.entries.length / ms) * 1000).toFixed(0)} msg/s)`,
    });

    rows.push({ case: '  SQS calls', figure: callSummary() });
    calls.clear();
    t0 = performance.now();
    const moved = await redrive(sqs, { dlqUrl: dlq.QueueUrl!, queueUrl: queue.QueueUrl!, dryRun: false });
    ms = performance.now() - t0;
    rows.push({
      case: `redrive, ${count} msgs in ${groups} groups`,
      figure: `${moved.moved} moved in ${ms.toFixed(0)} ms (${((moved.moved / ms) * 1000).toFixed(0)} msg/s; moto ≈ 150 ms per call)`,
    });
    rows.push({ case: '  SQS calls', figure: callSummary() });
  } finally {
    await moto.stop();
  }
  print(rows);
}
