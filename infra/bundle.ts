/**
 * The two artifacts that ship, built by one esbuild definition (`npm run bundle` → `dist/`):
 * - `dist/lambda/index.mjs`: the reconciler Lambda. The CDK app deploys exactly this file (infra/aws/
 *   reconciler-code.ts) and `npm run bench -- lambda` measures it.
 * - `dist/webhook/webhook.mjs`: the in-cluster webhook server, the only code in the container image.
 * Both are single self-contained ESM files: the AWS SDK and every other dependency are bundled (what runs
 * is the SDK version the tests ran against) and nothing is resolved from node_modules at run time.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface BundleOptions {
  /** The file to bundle (default: the artifact's own entry). */
  entry?: string;
  outfile?: string;
  /** Default true. Off only to compare in the benchmark. */
  minify?: boolean;
}

export interface BundleResult {
  outfile: string;
  bytes: number;
  buildMs: number;
}

/**
 * The SDK's ESM schema modules (`@aws-sdk/client-x/dist-es/schemas/schemas_0.js`) declare every shape of
 * the service as a top-level array, some holding objects with computed keys such as `{ [_xN]: _PEA }`
 * where `_xN` is a string constant of the same file. esbuild cannot prove a computed key free of side
 * effects, so it keeps every such shape and all it references: EC2's whole 550 KB model for the dozen
 * calls we make. Rewriting those keys to the literal strings they name lets tree-shaking drop the rest.
 */
export const sdkSchemaTreeShaking: Plugin = {
  name: 'sdk-schema-tree-shaking',
  setup(b) {
    b.onLoad({ filter: /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const constants = new Map<string, string>();
      for (const m of source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)) constants.set(m[1]!, m[2]!);
      const contents = source.replace(/([{,]\s+)\[(_\w+)\]: /g, (whole, before: string, name: string) => {
        const literal = constants.get(name);
        return literal === undefined ? whole : `${before}${literal}: `;
      });
      return { contents, loader: 'js' };
    });
  },
};

async function bundle(entry: string, outfile: string, minify: boolean): Promise<BundleResult> {
  mkdirSync(dirname(outfile), { recursive: true });
  const t0 = performance.now();
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    // The image runs Node 20; the Lambda runs 22, which loads node20 output unchanged.
    target: 'node20',
    format: 'esm',
    minify,
    // No source map: Node reads it at start-up with --enable-source-maps (slower cold starts), and the
    // errors we log are typed one-line messages, not stack traces.
    sourcemap: false,
    external: [],
    // Packages' ESM builds first: they tree-shake (the SDK's CommonJS builds do not). esbuild's default
    // for platform node is `main`.
    mainFields: ['module', 'main'],
    plugins: [sdkSchemaTreeShaking],
    // CommonJS dependencies inside an ESM bundle still call require().
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    legalComments: 'none',
    logLevel: 'warning',
  });
  return { outfile, bytes: statSync(outfile).size, buildMs: performance.now() - t0 };
}

export function bundleReconciler(o: BundleOptions = {}): Promise<BundleResult> {
  return bundle(
    o.entry ?? join(ROOT, 'lambda', 'handler.ts'),
    o.outfile ?? join(ROOT, 'dist', 'lambda', 'index.mjs'),
    o.minify ?? true,
  );
}

export function bundleWebhook(o: BundleOptions = {}): Promise<BundleResult> {
  return bundle(
    o.entry ?? join(ROOT, 'cli', 'webhook-main.ts'),
    o.outfile ?? join(ROOT, 'dist', 'webhook', 'webhook.mjs'),
    o.minify ?? true,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const r of await Promise.all([bundleReconciler(), bundleWebhook()])) {
    process.stdout.write(`${r.outfile}: ${(r.bytes / 1024).toFixed(0)} KiB in ${r.buildMs.toFixed(0)} ms\n`);
  }
}
