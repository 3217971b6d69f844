/**
 * AWS calls (read / write) and wall time per reconcile against moto, beside the fewest writes each
 * change needs and the AWS Load Balancer Controller's figures (issue 8); then reads per stack as the
 * cluster grows from 10 to 500 stacks in one emulator. Call counts are the result: wall time on a
 * shared machine is only indicative.
 */

import { startMoto } from '../cli/dev/moto';
import { seedLocalWorld } from '../cli/dev/seed';
import { type AwsClients, createAwsClients, reconcileStack } from '../lambda/reconciler/index';
import { buildStack, buildStacks, type StackBuild } from '../shared/build';
import type { ClusterObjects } from '../shared/cluster';
import { API_VERSION, type StackSnapshot, stackDigest } from '../shared/messages';
import { bigGroup, groupWithEndpoints, manyIngresses, table } from './_fixtures';

const CLUSTER = 'bench';
/** A change should read only what changed (issue 8): at most this many reads, plus the fewest writes. */
const CHANGE_READ_BUDGET = 5;

function snapshotOf(b: StackBuild | undefined, verify = false): StackSnapshot {
  if (!b?.result.ok) throw new Error(`bench model failed: ${JSON.stringify(b?.result)}`);
  return {
    apiVersion: API_VERSION,
    kind: 'StackSnapshot',
    cluster: CLUSTER,
    stackId: b.stackId,
    seq: 1,
    digest: stackDigest(b.result.stack),
    verify,
    members: b.members,
    inactiveMembers: b.inactiveMembers,
    stack: b.result.stack,
  };
}

const snapshot = (objects: ClusterObjects, stackId: string) =>
  snapshotOf(buildStack(stackId, objects, { clusterName: CLUSTER }));

/** The seeded instances behind the fixtures' nodes, so the backend-SG rules are really made. */
function onInstances(o: ClusterObjects, instanceIds: readonly string[]): ClusterObjects {
  o.nodes.forEach((n, i) => {
    const id = instanceIds[i % instanceIds.length];
    if (id) n.spec = { ...n.spec, providerID: `aws:///us-east-1a/${id}` };
  });
  return o;
}

/** 50 members, 6 paths each, spread over 4 listen ports so no listener passes the 100-rule limit. */
function fiftyMembers(): ClusterObjects {
  const o = bigGroup(50, 300, 'fifty');
  o.ingresses.forEach((ing, i) => {
    ing.metadata!.annotations!['alb.ingress.kubernetes.io/listen-ports'] = JSON.stringify([
      { HTTP: 8080 + (i % 4) },
    ]);
  });
  return o;
}

/** The fewest writes a from-scratch create needs: SG + its rules, each TG + its targets, LB, listeners, rules, digest tag. */
function minimumCreateWrites(s: StackSnapshot): number {
  const st = s.stack!;
  const rules = st.listeners.reduce((n, l) => n + l.rules.length, 0);
  return 2 + st.targetGroups.length * 2 + 1 + st.listeners.length + rules + 1;
}

interface Case {
  name: string;
  snapshot: StackSnapshot;
  /** The fewest writes, and what they are. */
  minWrites: number;
  minWhy?: string;
  /** The LBC's figures for the same change (issue 8), when known. */
  lbc?: string;
  /** A change: held to ≤ CHANGE_READ_BUDGET reads and the minimum writes. */
  budget?: boolean;
}

type Row = (string | number)[];

/** The commands each measured case sent, for the breakdown of a case that misses its target. */
const sent: string[] = [];
function logCommands(c: AwsClients): void {
  for (const client of [c.elbv2, c.ec2, c.tagging, c.acm]) {
    (client.middlewareStack as AwsClients['elbv2']['middlewareStack']).add(
      (next, context) => (args) => {
        sent.push((context as { commandName?: string }).commandName ?? '?');
        return next(args);
      },
      { step: 'finalizeRequest', name: 'benchCommandLog' },
    );
  }
}
const misses: string[] = [];

function breakdown(commands: readonly string[]): string {
  const n = new Map<string, number>();
  for (const x of commands) n.set(x, (n.get(x) ?? 0) + 1);
  return [...n].map(([k, v]) => `${k.replace(/Command$/, '')} ×${v}`).join(', ');
}

async function measure(c: AwsClients, label: string, k: Case, rows: Row[]): Promise<void> {
  sent.length = 0;
  const t = performance.now();
  const r = await reconcileStack(k.snapshot, c, { cluster: CLUSTER });
  const ms = performance.now() - t;
  if (r.outcome === 'Failed') throw new Error(`${label} ${k.name}: ${r.error.message}`);
  const { read, write } = r.apiCalls;
  if (k.budget && (read > CHANGE_READ_BUDGET || write > k.minWrites))
    misses.push(`${label}, ${k.name}: ${breakdown(sent)}`);
  const verdict = !k.budget
    ? ''
    : read <= CHANGE_READ_BUDGET && write <= k.minWrites
      ? 'met'
      : `MISSED (${[read > CHANGE_READ_BUDGET ? `${read - CHANGE_READ_BUDGET} reads over` : '', write > k.minWrites ? `${write - k.minWrites} writes over` : ''].filter(Boolean).join(', ')})`;
  rows.push([
    label,
    k.name,
    read,
    write,
    `${k.minWrites}${k.minWhy ? ` (${k.minWhy})` : ''}`,
    k.lbc ?? '—',
    k.budget ? `≤ ${CHANGE_READ_BUDGET} + min` : '—',
    verdict || '—',
    ms.toFixed(0),
  ]);
}

async function groupCases(c: AwsClients, instanceIds: readonly string[]): Promise<string> {
  const rows: Row[] = [
    ['group', 'case', 'read', 'write', 'min write', 'LBC read+write', 'target', 'verdict', 'ms'],
  ];
  for (const [label, id, make] of [
    ['3 members', 'three', () => bigGroup(3, 6, 'three')],
    ['50 members / 300 rules', 'fifty', fiftyMembers],
  ] as const) {
    const base = onInstances(make(), instanceIds);
    const first = snapshot(base, id);
    await measure(
      c,
      label,
      { name: 'create from scratch', snapshot: first, minWrites: minimumCreateWrites(first) },
      rows,
    );
    await measure(c, label, { name: 'no-op, digest fast path', snapshot: first, minWrites: 0 }, rows);
    await measure(
      c,
      label,
      { name: 'no-op, verify: true', snapshot: { ...first, verify: true }, minWrites: 0 },
      rows,
    );
    const changed = onInstances(make(), instanceIds);
    changed.ingresses[1]!.spec!.rules![0]!.http!.paths[1]!.path = '/changed';
    await measure(
      c,
      label,
      {
        name: 'one path changed',
        snapshot: snapshot(changed, id),
        minWrites: 2,
        minWhy: 'rule + digest',
        ...(id === 'three' ? { lbc: '14 + 1' } : {}),
        budget: true,
      },
      rows,
    );
    const removed = onInstances(make(), instanceIds);
    removed.ingresses.splice(1, 1);
    const perMember = base.ingresses[1]!.spec!.rules![0]!.http!.paths.length;
    await measure(
      c,
      label,
      {
        name: 'one member removed',
        snapshot: snapshot(removed, id),
        minWrites: perMember + 3,
        minWhy: 'rules, 1 move, TG, digest',
      },
      rows,
    );
  }

  // Targets only: one Service's endpoints change (one pod replaced) in an ip-mode 3-member group.
  const label = '3 members, ip targets';
  const ip = groupWithEndpoints(3, 4);
  const first = snapshot(ip, 'eps');
  await measure(
    c,
    label,
    { name: 'create from scratch', snapshot: first, minWrites: minimumCreateWrites(first) },
    rows,
  );
  const moved = groupWithEndpoints(3, 4);
  moved.endpointSlices[1]!.endpoints[0]!.addresses = ['10.1.9.99'];
  await measure(
    c,
    label,
    {
      name: "one Service's endpoints changed",
      snapshot: snapshot(moved, 'eps'),
      minWrites: 3,
      minWhy: 'register, deregister, digest',
      budget: true,
    },
    rows,
  );
  return table(rows);
}

/** Runs `work` over `items` with `width` at a time (unmeasured filler: counts would mix). */
async function inParallel<T>(items: readonly T[], width: number, work: (x: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const SAMPLE = 5;
const SIZES = [10, 100, 500] as const;

/**
 * Reads per stack with 10, 100 and 500 single-Ingress stacks in one emulator: the stacks up to each size
 * are made (unmeasured, several at a time), then a sample of the last ones made is measured creating, and
 * a sample spread over all of them is measured as a verify no-op.
 */
async function scaling(c: AwsClients, filler: AwsClients): Promise<void> {
  // The nodes are made-up instances: 500 NodePort Services would need 500 rules on one real node SG,
  // past the emulator's (and AWS's default) rules-per-group quota. Target SG lookups are still made.
  const objects = manyIngresses(500);
  const snaps = buildStacks(objects, { clusterName: CLUSTER }).map((b) => snapshotOf(b));
  const rows: Row[] = [
    [
      'stacks',
      'first: read/stack',
      'write/stack',
      'verify no-op: read/stack',
      'write/stack',
      'ms/stack (first, verify)',
    ],
  ];
  const notes: string[] = [];
  let made = 0;
  for (const size of SIZES) {
    await inParallel(snaps.slice(made, size - SAMPLE), 3, async (s) => {
      // The emulator now and then answers concurrent calls with an HTML 500: the filler retries.
      for (let attempt = 1; ; attempt++) {
        const r = await reconcileStack(s, filler, { cluster: CLUSTER });
        if (r.outcome !== 'Failed') return;
        if (attempt === 3) throw new Error(`${s.stackId}: ${r.error.message}`);
      }
    });
    const run = async (sample: StackSnapshot[]) => {
      const sum = { read: 0, write: 0, ms: 0 };
      for (const s of sample) {
        sent.length = 0;
        const t = performance.now();
        const r = await reconcileStack(s, c, { cluster: CLUSTER });
        sum.ms += performance.now() - t;
        if (r.outcome === 'Failed') throw new Error(`${s.stackId}: ${r.error.message}`);
        sum.read += r.apiCalls.read;
        sum.write += r.apiCalls.write;
      }
      const per = (x: number) => (x / sample.length).toFixed(1);
      return { read: per(sum.read), write: per(sum.write), ms: per(sum.ms), last: breakdown(sent) };
    };
    const first = await run(snaps.slice(size - SAMPLE, size));
    made = size;
    const spread = Array.from({ length: SAMPLE }, (_, i) => snaps[Math.floor((i * size) / SAMPLE)]!);
    const verify = await run(spread.map((s) => ({ ...s, verify: true, seq: 2 })));
    rows.push([size, first.read, first.write, verify.read, verify.write, `${first.ms}, ${verify.ms}`]);
    notes.push(
      `${size} stacks, one first reconcile: ${first.last}`,
      `${size} stacks, one verify no-op: ${verify.last}`,
    );
    // Row by row: the header and each size as soon as it is measured (500 stacks take minutes).
    const [line, ...rest] = table(rows).trimEnd().split('\n');
    if (size === SIZES[0]) process.stdout.write(`${line}\n`);
    process.stdout.write(`${rest[rest.length - 1]}\n`);
  }
  process.stdout.write(`${notes.join('\n')}\n`);
  // Issue 8's target: reads per stack flat from the smallest to the largest cluster.
  const [small, large] = [rows[1]!, rows[rows.length - 1]!];
  for (const [col, what] of [
    [1, 'first reconcile'],
    [3, 'verify no-op'],
  ] as const) {
    const [a, b] = [Number(small[col]), Number(large[col])];
    process.stdout.write(
      `${what}: ${a} → ${b} reads/stack from ${small[0]} to ${large[0]} stacks: ${b <= a ? 'flat (target met)' : `NOT flat (+${(b - a).toFixed(1)}: target missed)`}\n`,
    );
  }
}

export async function run(): Promise<void> {
  process.env.AWS_ACCESS_KEY_ID ??= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
  const moto = await startMoto();
  try {
    const { instanceIds } = await seedLocalWorld({ endpoint: moto.endpoint, region: 'us-east-1' }, CLUSTER);
    const c = createAwsClients({ endpoint: moto.endpoint, region: 'us-east-1', maxAttempts: 1 });
    logCommands(c);
    process.stdout.write(await groupCases(c, instanceIds));
    process.stdout.write(
      `target (issue 8): a change reads <= ${CHANGE_READ_BUDGET} and writes the minimum; LBC figures from issue 8\n`,
    );
    for (const m of misses) process.stdout.write(`missed: ${m}\n`);
    process.stdout.write(
      `\nreads per stack as the cluster grows (single-Ingress stacks, sample of ${SAMPLE})\n`,
    );
    // Unmeasured filler with the SDK's retries; the measured runs keep one attempt per call.
    await scaling(c, createAwsClients({ endpoint: moto.endpoint, region: 'us-east-1' }));
  } finally {
    await moto.stop();
  }
}
