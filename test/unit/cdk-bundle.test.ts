import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { reconcilerCode } from '../../infra/aws/reconciler-code';
import { AlbatrossStack } from '../../infra/aws/stack';

// The entry must sit under the repo (node_modules are resolved from it), so the fixture goes to the
// git-ignored .albatross/ folder.
const root = new URL('../../', import.meta.url).pathname;
mkdirSync(join(root, '.albatross'), { recursive: true });
const fixtureDir = mkdtempSync(join(root, '.albatross', 'cdk-bundle-'));
const outdir = mkdtempSync(join(tmpdir(), 'albatross-cdk-'));

afterAll(() => {
  rmSync(fixtureDir, { recursive: true, force: true });
  rmSync(outdir, { recursive: true, force: true });
});

function synthAsset(code: Awaited<ReturnType<typeof reconcilerCode>>, id: string): string {
  const app = new App({ outdir: join(outdir, id) });
  const stack = new AlbatrossStack(app, id, { clusterName: 'demo', lambdaCode: code });
  const fn = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0] as {
    Properties: { Handler: string; Environment: { Variables: Record<string, string> } };
  };
  expect(fn.Properties.Handler).toBe('index.handler');
  // No source map to load at start-up.
  expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
  app.synth();
  const asset = readdirSync(join(outdir, id)).find((d) => d.startsWith('asset.'));
  expect(asset).toBeDefined();
  return join(outdir, id, asset!);
}

describe('reconciler bundle', () => {
  it('deploys the npm run bundle artifact: one working ESM file (CommonJS deps included), nothing else', async () => {
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
    const code = await reconcilerCode({ entry, outdir: join(fixtureDir, 'out') });
    const asset = synthAsset(code, 'Fixture');
    expect(readdirSync(asset)).toEqual(['index.mjs']);
    const mod = (await import(pathToFileURL(join(asset, 'index.mjs')).href)) as {
      handler: (e: { Records: unknown[] }) => Promise<{ batchItemFailures: unknown[]; sdk: string }>;
    };
    await expect(mod.handler({ Records: [] })).resolves.toEqual({ batchItemFailures: [], sdk: 'function' });
  }, 120_000);

  it('ships the real reconciler in at most 1 MB', async () => {
    const code = await reconcilerCode({ outdir: join(fixtureDir, 'real') });
    const asset = synthAsset(code, 'Real');
    const bytes = statSync(join(asset, 'index.mjs')).size;
    expect(bytes).toBeGreaterThan(100_000); // the SDK is in it, not taken from the runtime
    expect(bytes).toBeLessThanOrEqual(1_000_000);
  }, 120_000);

  it('refuses a missing handler file naming it, instead of failing inside esbuild', async () => {
    const missing = join(fixtureDir, 'nope.ts');
    await expect(reconcilerCode({ entry: missing })).rejects.toThrow(
      `lambdaEntry: ${JSON.stringify(missing)}: expected the reconciler's handler file to exist`,
    );
  });
});
