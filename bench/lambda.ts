/**
 * The artifacts that ship, exactly as `npm run bundle` and the CDK app build them (infra/bundle.ts): size
 * (raw, and roughly as the Lambda zip stores it: gzip) and the cold-start cost of loading the reconciler —
 * a fresh `node` process importing the bundle, the part of a cold start the code controls — averaged over a
 * few processes. The unminified build is shown for comparison only.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { bundleReconciler, bundleWebhook } from '../infra/bundle';

const RUNS = 7;

interface ImportTiming {
  /** `import()` of the bundle alone: wall clock. */
  importMs: number;
  /** …and the CPU time it took (user + system), which a busy machine inflates far less than wall time. */
  cpuMs: number;
  /** The whole process, node start-up included. */
  processMs: number;
}

function coldImport(file: string): ImportTiming {
  const script = [
    'const c0 = process.cpuUsage();',
    'const t0 = performance.now();',
    `const m = await import(${JSON.stringify(pathToFileURL(file).href)});`,
    'const t1 = performance.now();',
    'const c = process.cpuUsage(c0);',
    "if (typeof m.handler !== 'function') throw new Error('no handler export');",
    'process.stdout.write(JSON.stringify([t1 - t0, (c.user + c.system) / 1000]));',
  ].join('\n');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const processMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`importing the bundle failed: ${r.stderr}`);
  const [importMs, cpuMs] = JSON.parse(r.stdout) as [number, number];
  return { importMs, cpuMs, processMs };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const size = (file: string, bytes: number) =>
  `${(bytes / 1024).toFixed(0)} KiB (${bytes} B), ${(gzipSync(readFileSync(file)).length / 1024).toFixed(0)} KiB gzip`;

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'albatross-bench-lambda-'));
  try {
    const rows: [string, string][] = [];
    for (const [label, minify] of [
      ['reconciler Lambda (shipped: npm run bundle = CDK asset)', true],
      ['reconciler, not minified (comparison)', false],
    ] as const) {
      const b = await bundleReconciler({ outfile: join(dir, `index-${minify}.mjs`), minify });
      coldImport(b.outfile); // page cache warm, like a container image already on the host
      const timings = Array.from({ length: RUNS }, () => coldImport(b.outfile));
      const imports = timings.map((t) => t.importMs);
      rows.push(
        [label, size(b.outfile, b.bytes)],
        ['  esbuild time', `${b.buildMs.toFixed(0)} ms`],
        [
          `  cold import (${RUNS} processes)`,
          `median ${median(imports).toFixed(1)} ms, mean ${mean(imports).toFixed(1)} ms`,
        ],
        [`  cold import CPU time`, `median ${median(timings.map((t) => t.cpuMs)).toFixed(1)} ms`],
        ['  node process incl. import', `${mean(timings.map((t) => t.processMs)).toFixed(1)} ms`],
      );
    }
    const w = await bundleWebhook({ outfile: join(dir, 'webhook.mjs') });
    rows.push(['webhook server (the image)', size(w.outfile, w.bytes)]);
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, text] of rows) process.stdout.write(`${k.padEnd(width)}  ${text}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
