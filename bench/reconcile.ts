/**
 * AWS calls (read / write) and wall time per reconcile against moto, for a 3-member group and a
 * 50-member group with 300 rules over four listeners, next to the fewest writes each change needs.
 */

import { startMoto } from '../cli/dev/moto';
import { seedLocalWorld } from '../cli/dev/seed';
import { createAwsClients, reconcileStack } from '../lambda/reconciler/index';
import { buildStack } from '../shared/build';
import type { ClusterObjects } from '../shared/cluster';
import { API_VERSION, type StackSnapshot, stackDigest } from '../shared/messages';
import { bigGroup, table } from './_fixtures';

const CLUSTER = 'bench';

function snapshot(objects: ClusterObjects, stackId: string, verify = false): StackSnapshot {
  const b = buildStack(stackId, objects, { clusterName: CLUSTER });
  if (!b?.result.ok) throw new Error(`bench model failed: ${JSON.stringify(b?.result)}`);
  return {
    apiVersion: API_VERSION,
    kind: 'StackSnapshot',
    cluster: CLUSTER,
    stackId,
    seq: 1,
    digest: stackDigest(b.result.stack),
    verify,
    members: b.members,
    inactiveMembers: b.inactiveMembers,
    stack: b.result.stack,
  };
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

function threeMembers(): ClusterObjects {
  return bigGroup(3, 6, 'three');
}

/** The fewest writes a from-scratch create needs: SG + its rules, each TG + its targets, LB, listeners, rules, digest tag. */
function minimumCreateWrites(s: StackSnapshot): number {
  const st = s.stack!;
  const rules = st.listeners.reduce((n, l) => n + l.rules.length, 0);
  return 2 + st.targetGroups.length * 2 + 1 + st.listeners.length + rules + 1;
}

export async function run(): Promise<void> {
  process.env.AWS_ACCESS_KEY_ID ??= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
  const moto = await startMoto();
  try {
    await seedLocalWorld({ endpoint: moto.endpoint, region: 'us-east-1' }, CLUSTER);
    const c = createAwsClients({ endpoint: moto.endpoint, region: 'us-east-1', maxAttempts: 1 });
    const rows: (string | number)[][] = [['group', 'case', 'read', 'write', 'min write', 'ms']];
    for (const [label, id, make] of [
      ['3 members', 'three', threeMembers],
      ['50 members / 300 rules', 'fifty', fiftyMembers],
    ] as const) {
      const measure = async (name: string, s: StackSnapshot, minWrites: number | string) => {
        const t = performance.now();
        const r = await reconcileStack(s, c, { cluster: CLUSTER });
        const ms = performance.now() - t;
        if (r.outcome === 'Failed') throw new Error(`${label} ${name}: ${r.error.message}`);
        rows.push([label, name, r.apiCalls.read, r.apiCalls.write, minWrites, ms.toFixed(0)]);
      };
      const base = make();
      const first = snapshot(base, id);
      await measure('create from scratch', first, minimumCreateWrites(first));
      await measure('no-op, digest fast path', first, 0);
      await measure('no-op, verify: true', { ...first, verify: true }, 0);
      const changed = make();
      changed.ingresses[1]!.spec!.rules![0]!.http!.paths[1]!.path = '/changed';
      await measure('one path changed', snapshot(changed, id), '2 (rule + digest)');
      const removed = make();
      removed.ingresses.splice(1, 1);
      const rs = snapshot(removed, id);
      const perMember = base.ingresses[1]!.spec!.rules![0]!.http!.paths.length;
      await measure('one member removed', rs, `${perMember + 3} (rules, 1 move, TG, digest)`);
    }
    process.stdout.write(table(rows));
    process.stdout.write('verify budget (issue 3): reads <= 5 + 1 per listener + 1 per target group\n');
  } finally {
    await moto.stop();
  }
}
