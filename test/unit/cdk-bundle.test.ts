import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { AlbatrossStack } from '../../infra/aws/stack';

// The default code path: NodejsFunction + the local esbuild, offline. The entry must sit under the repo
// (esbuild's project root), so the fixture goes to the git-ignored .albatross/ folder.
const root = new URL('../../', import.meta.url).pathname;
mkdirSync(join(root, '.albatross'), { recursive: true });
const fixtureDir = mkdtempSync(join(root, '.albatross', 'cdk-bundle-'));
const outdir = mkdtempSync(join(tmpdir(), 'albatross-cdk-'));

afterAll(() => {
  rmSync(fixtureDir, { recursive: true, force: true });
  rmSync(outdir, { recursive: true, force: true });
});

describe('reconciler bundle', () => {
  it('bundles the handler with the local esbuild into a working ESM module (CommonJS deps included)', async () => {
    const entry = join(fixtureDir, 'handler.ts');
    writeFileSync(
      entry,
      [
        "import { SQSClient } from '@aws-sdk/client-sqs';",
        "import { Logger } from '@aws-lambda-powertools/logger';",
        "const logger = new Logger({ serviceName: 'bundle-test' });",
        'export const handler = async (event: { Records: unknown[] }) => {',
        '  logger.debug("batch", { size: event.Records.length });',
        "  return { batchItemFailures: [], sdk: typeof new SQSClient({ region: 'us-east-1' }).send };",
        '};',
      ].join('\n'),
    );
    const app = new App({ outdir });
    const stack = new AlbatrossStack(app, 'Bundle', { clusterName: 'demo', lambdaEntry: entry });
    const fn = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0] as {
      Properties: { Handler: string; Runtime: string };
    };
    expect(fn.Properties.Handler).toBe('index.handler');

    const asset = readdirSync(outdir).find((d) => d.startsWith('asset.'));
    expect(asset).toBeDefined();
    const files = readdirSync(join(outdir, asset!));
    expect(files).toContain('index.mjs');
    const mod = (await import(pathToFileURL(join(outdir, asset!, 'index.mjs')).href)) as {
      handler: (e: { Records: unknown[] }) => Promise<{ batchItemFailures: unknown[]; sdk: string }>;
    };
    await expect(mod.handler({ Records: [] })).resolves.toEqual({ batchItemFailures: [], sdk: 'function' });
  });

  it('refuses a missing handler file naming it, instead of failing inside esbuild', () => {
    const missing = join(fixtureDir, 'nope.ts');
    expect(
      () => new AlbatrossStack(new App({ outdir }), 'Missing', { clusterName: 'demo', lambdaEntry: missing }),
    ).toThrow(`lambdaEntry: ${JSON.stringify(missing)}: expected the reconciler's handler file to exist`);
  });
});
