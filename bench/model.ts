/** Model build time (SPEC targets: 50-Ingress group with 500 paths < 20 ms; 1 Ingress < 0.2 ms). */
import { buildStack, validateIngress } from '../shared/build';
import { bigGroup, median, table } from './_fixtures';

function time(fn: () => void, runs: number): number {
  for (let i = 0; i < Math.min(50, runs); i++) fn(); // warm-up: JIT, caches
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

export async function run(): Promise<void> {
  const opts = { clusterName: 'bench' };
  const big = bigGroup(50, 500);
  const one = bigGroup(1, 5, 'one');
  // A 50-group model can exceed ALB limits by design (100 rules per listener); the bench measures the
  // build either way, and says which it was.
  const bigBuild = buildStack('big', big, opts);
  const candidate = big.ingresses[25]!;
  const rows: (string | number)[][] = [['case', 'median ms', 'target ms', 'result']];
  rows.push([
    'build: 50 Ingresses, 500 paths',
    time(() => buildStack('big', big, opts), 200).toFixed(3),
    '< 20',
    bigBuild?.result.ok ? 'ok' : 'limits reported',
  ]);
  rows.push([
    'build: 1 Ingress, 5 paths',
    time(() => buildStack('one', one, opts), 2000).toFixed(4),
    '< 0.2',
    'ok',
  ]);
  rows.push([
    'validateIngress in the 50-member group',
    time(() => validateIngress(candidate, big, opts), 200).toFixed(3),
    '< 20',
    '',
  ]);
  process.stdout.write(table(rows));
}
