/**
 * The reconciler Lambda's package: esbuild bundle size (raw and as the zip Lambda stores it, roughly
 * gzip), and the cold-start cost of loading it — a fresh `node` process importing the bundle, the part of
 * a cold start the code controls — averaged over a few processes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { bundleReconciler } from '../lambda/bundle';

const RUNS = 5;

interface ImportTiming {
  /** `import()` of the bundle alone. */
  importMs: number;
  /** The whole process, node start-up included. */
  processMs: number;
}

function coldImport(file: string): ImportTiming {
  const script = [
    'const t0 = performance.now();',
    `const m = await import(${JSON.stringify(pathToFileURL(file).href)});`,
    'const t1 = performance.now();',
    "if (typeof m.handler !== 'function') throw new Error('no handler export');",
    'process.stdout.write(String(t1 - t0));',
  ].join('\n');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const processMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`importing the bundle failed: ${r.stderr}`);
  return { importMs: Number(r.stdout), processMs };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'albatross-bench-lambda-'));
  try {
    const rows: [string, string][] = [];
    const variants = [
      { label: 'minified, ESM builds first (npm run bundle)', minify: true, preferEsm: true },
      { label: 'minified, esbuild default (CJS builds)', minify: true, preferEsm: false },
      { label: 'not minified, ESM builds first', minify: false, preferEsm: true },
    ];
    for (const [i, v] of variants.entries()) {
      const b = await bundleReconciler({ outfile: join(dir, `index-${i}.mjs`), ...v });
      const gz = gzipSync(readFileSync(b.outfile)).length;
      coldImport(b.outfile); // page cache warm, like a container image already on the host
      const timings = Array.from({ length: RUNS }, () => coldImport(b.outfile));
      rows.push(
        [`bundle: ${v.label}`, `${(b.bytes / 1024).toFixed(0)} KiB, ${(gz / 1024).toFixed(0)} KiB gzip`],
        [`  esbuild time`, `${b.buildMs.toFixed(0)} ms`],
        [`  cold import (mean of ${RUNS})`, `${mean(timings.map((t) => t.importMs)).toFixed(1)} ms`],
        [`  node process incl. import`, `${mean(timings.map((t) => t.processMs)).toFixed(1)} ms`],
      );
    }
    const w = Math.max(...rows.map(([k]) => k.length));
    for (const [k, text] of rows) process.stdout.write(`${k.padEnd(w)}  ${text}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
