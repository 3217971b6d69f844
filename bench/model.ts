/** Model build time (SPEC targets: 50-Ingress group with 500 paths < 20 ms; 1 Ingress < 0.2 ms). */
import type { V1Ingress } from '@kubernetes/client-node';
import { buildStack, validateIngress } from '../shared/build';
import type { ClusterObjects } from '../shared/cluster';
import { LiveClusterIndex } from '../shared/live-cluster-index';
import { bigGroup, groupWithEndpoints, manyIngresses, median, table } from './_fixtures';

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
  // Admission cost against the size of the cluster: a lone Ingress among 100 and 2,000 others, and one
  // member of a 10-member ip-mode group whose Services have 1,000 endpoints each. "lists" is a one-shot
  // validation over whole object lists (CLI); "live" is the webhook's index kept up to date.
  const admission = (label: string, candidate: V1Ingress, objects: ClusterObjects, runs: number) => {
    const live = LiveClusterIndex.of(objects);
    const verdict = validateIngress(candidate, live, opts);
    for (const [how, source] of [
      ['lists', objects],
      ['live', live],
    ] as const)
      rows.push([
        `validateIngress (${how}): ${label}`,
        time(() => validateIngress(candidate, source, opts), runs).toFixed(3),
        how === 'live' ? '< 0.2 / group' : '',
        verdict.allowed ? 'allowed' : verdict.problems.map((p) => p.expected).join('; '),
      ]);
  };
  for (const n of [100, 2000]) {
    const cluster = manyIngresses(n);
    admission(`lone Ingress, ${n} in the cluster`, cluster.ingresses[n >> 1]!, cluster, 500);
  }
  const eps = groupWithEndpoints(10, 1000);
  admission('1 of 10 members, 1,000 endpoints per Service', eps.ingresses[3]!, eps, 100);
  process.stdout.write(table(rows));
}
