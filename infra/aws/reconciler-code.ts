/**
 * The reconciler's Lambda code: the `npm run bundle` artifact (infra/bundle.ts), so what is deployed is the
 * very file the bundle tests run and the benchmark measures. Built before the stack is constructed (CDK
 * constructs are synchronous, esbuild with plugins is not) into a folder that becomes the asset.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { bundleReconciler } from '../bundle';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ReconcilerCodeOptions {
  /** The handler file (default `lambda/handler.ts`). */
  entry?: string;
  /** Where `index.mjs` is written (default `dist/lambda`, the same place as `npm run bundle`). */
  outdir?: string;
}

/** The bundle as Lambda code; its handler is `index.handler`. */
export async function reconcilerCode(o: ReconcilerCodeOptions = {}): Promise<Code> {
  const entry = o.entry ?? join(REPO_ROOT, 'lambda', 'handler.ts');
  if (!existsSync(entry)) {
    throw new Error(`lambdaEntry: ${JSON.stringify(entry)}: expected the reconciler's handler file to exist`);
  }
  const outdir = o.outdir ?? join(REPO_ROOT, 'dist', 'lambda');
  const { outfile } = await bundleReconciler({ entry, outfile: join(outdir, 'index.mjs') });
  return Code.fromAsset(dirname(outfile));
}
