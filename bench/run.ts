/**
 * `npm run bench [-- name…]`: runs every `bench/<name>.ts` module (or only the named ones) one after the
 * other and lets each print its own table. Benchmarks print figures; they never assert.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The SDK's multi-line Node-version notice would interleave with the tables.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface BenchModule {
  run(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const wanted = new Set(process.argv.slice(2));
const files = (await readdir(here))
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .sort()
  .filter((f) => wanted.size === 0 || wanted.has(basename(f, '.ts')));

if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${[...wanted].join(', ')}\n`);
  process.exitCode = 2;
}
for (const file of files) {
  const name = basename(file, '.ts');
  process.stdout.write(`\n=== ${name} ===\n`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as BenchModule;
  await mod.run();
}
