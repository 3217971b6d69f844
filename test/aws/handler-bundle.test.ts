/**
 * The artifact that ships: `npm run bundle`'s single ESM file, imported in a fresh Node process with the
 * Lambda environment, serves a batch against moto (bundling bugs — a missing require, a dropped
 * dependency, an ESM/CJS mix-up — show up here and nowhere else).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedLocalWorld } from '../../cli/dev/seed';
import { bundleReconciler } from '../../infra/bundle';
import { encodeSnapshotBody } from '../../shared/codec';
import { ReconcileResult } from '../../shared/messages';
import { awsClientConfig, TEST_REGION } from '../support/moto';
import { stackSnapshot } from '../support/snapshot-fixtures';

const endpoint = inject('motoEndpoint');
const CLUSTER = 'bundle-test';
const root = new URL('../../', import.meta.url).pathname;
mkdirSync(join(root, '.albatross'), { recursive: true });
const dir = mkdtempSync(join(root, '.albatross', 'lambda-bundle-'));

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the bundled reconciler', () => {
  it('runs in a plain node process with only the Lambda environment, against moto', async () => {
    const world = await seedLocalWorld({ endpoint, region: TEST_REGION }, CLUSTER);
    const { outfile } = await bundleReconciler({ outfile: join(dir, 'index.mjs') });
    const s = stackSnapshot({ cluster: CLUSTER, namespace: 'ns', name: 'web', seq: 1 });
    const enc = encodeSnapshotBody(s);
    if (!enc.ok) throw new Error(enc.error.message);
    const event = {
      Records: [{ messageId: 'm0', body: enc.body, attributes: { MessageGroupId: `${CLUSTER}:ns/web` } }],
    };
    const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(outfile).href)});
      const out = await handler(${JSON.stringify(event)});
      process.stdout.write('RESULT ' + JSON.stringify(out) + '\\n');`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      // Not the repo: nothing to resolve from node_modules, so the bundle must carry everything.
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: TEST_REGION,
        AWS_ENDPOINT_URL: endpoint,
        ALBATROSS_CLUSTER_NAME: CLUSTER,
        RESULTS_QUEUE_URL: world.resultsQueueUrl,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    expect(r.status, r.stderr).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect(JSON.parse(line?.slice(7) ?? 'null')).toEqual({ batchItemFailures: [] });
    // The bundled Powertools wrote EMF to stdout.
    expect(r.stdout).toContain('"Namespace":"Albatross"');

    const sqs = new SQSClient(awsClientConfig(endpoint));
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: world.resultsQueueUrl, MaxNumberOfMessages: 10 }),
    );
    const results = (got.Messages ?? []).map((m) => ReconcileResult.parse(JSON.parse(m.Body ?? '')));
    expect(results).toMatchObject([{ stackId: 'ns/web', seq: 1, outcome: 'Succeeded' }]);
  });
});
