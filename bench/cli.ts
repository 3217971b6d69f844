/**
 * Command-line start-up: `albatross --help` (target < 0.5 s: it loads no command module), a command's
 * `--help` (loads that command only), and bare `node` and tsx registration as the floor they stand on.
 * Wall time of a spawned process, median of 7, after one warm-up run (tsx's transform cache).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, table } from './_fixtures';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function wall(args: string[], runs = 7): number {
  spawnSync(process.execPath, args, { cwd: ROOT });
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
    samples.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  return median(samples);
}

export async function run(): Promise<void> {
  const rows: (string | number)[][] = [['case', 'median ms', 'target ms']];
  rows.push(['node -e 0 (floor)', wall(['-e', '0']).toFixed(0), '-']);
  rows.push([
    'tsx registration alone (floor)',
    wall(['-e', "import('tsx/esm/api').then((m) => m.register())"]).toFixed(0),
    '-',
  ]);
  rows.push(['albatross --help', wall(['bin/albatross.js', '--help']).toFixed(0), 500]);
  rows.push(['albatross plan --help', wall(['bin/albatross.js', 'plan', '--help']).toFixed(0), '-']);
  rows.push(['albatross dev --help', wall(['bin/albatross.js', 'dev', '--help']).toFixed(0), '-']);
  process.stdout.write(table(rows));
  process.stdout.write(`machine load (1 min): ${(await import('node:os')).loadavg()[0]?.toFixed(1)}\n`);
}
