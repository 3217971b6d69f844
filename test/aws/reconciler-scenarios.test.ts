/**
 * The reconciler against moto: each scenario asserts the exact AWS state afterwards, and every re-run
 * is a no-op (zero writes, counted by the call counter on the real clients).
 */
import { CreateTagsCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { CreateTargetGroupCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { seedLocalWorld } from '../../cli/dev/seed';
import { type AwsClients, createAwsClients, reconcileStack } from '../../lambda/reconciler/index';
import type { StackSnapshot } from '../../shared/messages';
import { dumpAws } from '../support/aws-state';
import {
  CLUSTER,
  deletionSnapshot,
  NAMESPACES,
  snapshotFor,
  threeMemberGroup,
} from '../support/group-fixture';

const endpoint = inject('motoEndpoint');
let c: AwsClients;
let certificateArn = '';
const opts = { cluster: CLUSTER, deleteRetryDelaysMs: [10, 10] };
const P = 'alb.ingress.kubernetes.io/';

beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  c = createAwsClients({ endpoint, region: 'us-east-1', maxAttempts: 1 });
});

let instanceIds: string[];
beforeEach(async () => {
  await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  ({ certificateArn, instanceIds } = await seedLocalWorld({ endpoint, region: 'us-east-1' }, CLUSTER));
});

async function converge(s: StackSnapshot) {
  const r = await reconcileStack(s, c, opts);
  if (r.outcome === 'Failed') throw new Error(`reconcile failed: ${JSON.stringify(r.error)}`);
  // Idempotency: the same snapshot again, verified in full, writes nothing.
  const again = await reconcileStack({ ...s, verify: true }, c, opts);
  expect(again.outcome).toBe('Succeeded');
  expect(again.changes).toEqual([]);
  expect(again.apiCalls.write).toBe(0);
  return r;
}

const pathsOf = (rules: Awaited<ReturnType<typeof dumpAws>>['rules']) =>
  rules.map((r) => ({ port: r.port, priority: r.priority, conditions: r.conditions }));

describe('from scratch', () => {
  it('creates the ALB, listener, rules in member order, target groups with targets, and the managed SG', async () => {
    const s = snapshotFor(threeMemberGroup({ instanceIds }));
    const r = await converge(s);
    expect(r.dnsName).toMatch(/elb\.amazonaws\.com$/);
    const d = await dumpAws(c);
    expect(d.loadBalancers).toHaveLength(1);
    expect(d.loadBalancers[0]).toMatchObject({ name: s.stack!.loadBalancer.name, scheme: 'internal' });
    expect(d.loadBalancers[0]!.subnets).toHaveLength(3);
    expect(d.loadBalancers[0]!.tags).toMatchObject({
      'elbv2.k8s.aws/cluster': CLUSTER,
      'ingress.k8s.aws/stack': 'shop',
      'ingress.k8s.aws/resource': 'LoadBalancer',
      'albatross.dev/digest': s.digest,
    });
    expect(d.listeners.map((l) => [l.port, l.protocol])).toEqual([[80, 'HTTP']]);
    expect(pathsOf(d.rules)).toEqual(
      NAMESPACES.flatMap((ns, i) => [
        {
          port: 80,
          priority: String(2 * i + 1),
          conditions: [
            { field: 'host-header', values: [`${ns}.example.com`] },
            { field: 'path-pattern', values: ['/health'] },
          ],
        },
        {
          port: 80,
          priority: String(2 * i + 2),
          conditions: [
            { field: 'host-header', values: [`${ns}.example.com`] },
            { field: 'path-pattern', values: ['/*'] },
          ],
        },
      ]),
    );
    expect(d.targetGroups).toHaveLength(3);
    for (const tg of d.targetGroups) {
      expect(tg.type).toBe('instance');
      expect(tg.targets).toEqual([`${instanceIds[0]}:${tg.port}`, `${instanceIds[1]}:${tg.port}`].sort());
    }
    // Traffic can reach the nodes: the ALB carries the managed and the cluster's backend SG, and the
    // nodes' cluster-tagged SG admits the backend SG on every target group's port (nodePort = health check).
    const backend = d.securityGroups.find((g) => g.name.startsWith('k8s-traffic-'));
    expect(backend).toEqual({ name: expect.stringMatching(/^k8s-traffic-/), ingress: [] });
    expect(d.securityGroups).toEqual(
      expect.arrayContaining([
        { name: s.stack!.securityGroup!.name, ingress: ['80:0.0.0.0/0'] },
        {
          name: `eks-cluster-sg-${CLUSTER}`,
          ingress: d.targetGroups.map((tg) => `${tg.port}:${backend!.name}`).sort(),
        },
      ]),
    );
    expect(d.securityGroups).toHaveLength(3);
    expect(d.loadBalancers[0]!.securityGroups).toHaveLength(2);
  });

  it('a second delivery of the same snapshot takes the digest fast path in at most 2 calls', async () => {
    const s = snapshotFor(threeMemberGroup());
    await converge(s);
    const r = await reconcileStack(s, c, opts);
    expect(r.outcome).toBe('Skipped');
    expect(r.apiCalls.read + r.apiCalls.write).toBeLessThanOrEqual(2);
  });
});

describe('changes', () => {
  it('changing one path modifies exactly that rule', async () => {
    await converge(snapshotFor(threeMemberGroup()));
    const objects = threeMemberGroup();
    objects.ingresses[1]!.spec!.rules![0]!.http!.paths[1]!.path = '/ready';
    const r = await converge(snapshotFor(objects));
    expect(r.apiCalls.write).toBeLessThanOrEqual(2); // the rule, then the digest tag
    const d = await dumpAws(c);
    expect(d.rules.find((x) => x.priority === '3')!.conditions).toEqual([
      { field: 'host-header', values: ['beta.example.com'] },
      { field: 'path-pattern', values: ['/ready'] },
    ]);
    expect(d.rules).toHaveLength(6);
  });

  it('removing and adding a member re-prioritises without losing a rule or a target group', async () => {
    await converge(snapshotFor(threeMemberGroup()));
    const without = threeMemberGroup();
    without.ingresses.splice(0, 1);
    await converge(snapshotFor(without));
    let d = await dumpAws(c);
    expect(d.rules.map((r) => r.priority)).toEqual(['1', '2', '3', '4']);
    expect((d.rules[0]!.conditions as { values: string[] }[])[0]!.values).toEqual(['beta.example.com']);
    expect(d.targetGroups).toHaveLength(2);
    await converge(snapshotFor(threeMemberGroup()));
    d = await dumpAws(c);
    expect((d.rules[0]!.conditions as { values: string[] }[])[0]!.values).toEqual(['alpha.example.com']);
    expect(d.rules).toHaveLength(6);
    expect(d.targetGroups).toHaveLength(3);
  });

  it('flipping the scheme replaces the load balancer (internet-facing subnets) and leaks nothing', async () => {
    const first = snapshotFor(threeMemberGroup());
    await converge(first);
    const s = snapshotFor(threeMemberGroup({ shared: { [`${P}scheme`]: 'internet-facing' } }));
    await converge(s);
    const d = await dumpAws(c);
    expect(d.loadBalancers.map((l) => [l.name, l.scheme])).toEqual([
      [s.stack!.loadBalancer.name, 'internet-facing'],
    ]);
    expect(s.stack!.loadBalancer.name).not.toBe(first.stack!.loadBalancer.name);
    expect(d.rules).toHaveLength(6);
    expect(d.targetGroups).toHaveLength(3);
  });

  it('switching the target type to ip creates new target groups, repoints the rules, deletes the old ones', async () => {
    await converge(snapshotFor(threeMemberGroup()));
    const before = (await dumpAws(c)).targetGroups.map((t) => t.name);
    await converge(snapshotFor(threeMemberGroup({ shared: { [`${P}target-type`]: 'ip' } })));
    const d = await dumpAws(c);
    expect(d.targetGroups).toHaveLength(3);
    expect(d.targetGroups.every((t) => t.type === 'ip' && t.port === 8080)).toBe(true);
    expect(d.targetGroups.some((t) => before.includes(t.name))).toBe(false);
    expect(
      d.targetGroups.find((t) => t.tags['ingress.k8s.aws/resource'] === 'alpha/web-alpha-web:80')!.targets,
    ).toEqual(['10.0.0.10:8080', '10.0.0.11:8080']);
    const forwards = d.rules.map((r) => JSON.stringify(r.actions));
    for (const tg of d.targetGroups) expect(forwards.some((f) => f.includes(`tg:${tg.name}`))).toBe(true);
  });

  it('certificate discovery: an HTTPS listener without certificate-arn gets the issued ACM certificate matching its hosts', async () => {
    // The seeded certificate covers *.example.com; the members' hosts are alpha/beta/gamma.example.com.
    const shared = { [`${P}listen-ports`]: '[{"HTTPS":443}]' };
    const s = snapshotFor(threeMemberGroup({ shared }));
    expect(s.stack!.listeners[0]!.discoverCertificatesFor).toEqual([
      'alpha.example.com',
      'beta.example.com',
      'gamma.example.com',
    ]);
    await converge(s);
    const d = await dumpAws(c);
    expect(d.listeners.map((l) => [l.port, l.protocol, l.certificates[0]])).toEqual([
      [443, 'HTTPS', certificateArn],
    ]);
    // No certificate for a host: the reconcile fails naming the host, and changes nothing more.
    const stray = threeMemberGroup({ shared });
    stray.ingresses[0]!.spec!.rules![0]!.host = 'shop.elsewhere.org';
    const r = await reconcileStack(snapshotFor(stray), c, opts);
    expect(r.outcome).toBe('Failed');
    if (r.outcome === 'Failed') {
      expect(r.error.reason).toBe('NotFound');
      expect(r.error.message).toContain('shop.elsewhere.org');
    }
  });

  it('certificates and ssl-redirect: HTTPS listener with SNI, HTTP listener redirects 301 and has no rules', async () => {
    const shared = {
      [`${P}listen-ports`]: '[{"HTTP":80},{"HTTPS":443}]',
      [`${P}certificate-arn`]: certificateArn,
      [`${P}ssl-redirect`]: '443',
    };
    await converge(snapshotFor(threeMemberGroup({ shared })));
    const d = await dumpAws(c);
    expect(d.listeners.map((l) => [l.port, l.protocol])).toEqual([
      [80, 'HTTP'],
      [443, 'HTTPS'],
    ]);
    expect(d.listeners[0]!.defaultActions).toMatchObject([
      { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
    ]);
    // All three members list the certificate: as in the LBC, the default listed again is an SNI
    // certificate too (moto reports SNI certificates in the listener's Certificates as well).
    expect(d.listeners[1]!.certificates).toEqual([certificateArn, certificateArn]);
    expect(d.rules.every((r) => r.port === 443)).toBe(true);
    expect(d.rules).toHaveLength(6);
    expect(d.securityGroups.find((g) => g.name.startsWith('k8s-shop-'))!.ingress).toEqual([
      '443:0.0.0.0/0',
      '80:0.0.0.0/0',
    ]);
  });

  it('weighted forwards through actions.<name>', async () => {
    const objects = threeMemberGroup();
    const ing = objects.ingresses[0]!;
    ing.metadata!.annotations![`${P}actions.canary`] =
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"web","servicePort":80,"weight":90},{"serviceName":"web-v2","servicePort":"80","weight":10}]}}';
    ing.spec!.rules![0]!.http!.paths = [
      {
        path: '/',
        pathType: 'Prefix',
        backend: { service: { name: 'canary', port: { name: 'use-annotation' } } },
      },
    ];
    objects.services.push({
      ...objects.services[0]!,
      metadata: { name: 'web-v2', namespace: 'alpha', uid: 'uid-v2' },
    });
    await converge(snapshotFor(objects));
    const d = await dumpAws(c);
    const canary = d.rules.find((r) => JSON.stringify(r.conditions).includes('alpha.example.com'))!;
    const fwd = (canary.actions as { forward: [string, number][] }[])[0]!.forward;
    expect(fwd.map(([, w]) => w).sort()).toEqual([10, 90]);
    expect(d.targetGroups).toHaveLength(4);
  });
});

describe('forward to a target group managed elsewhere', () => {
  it('references it by name, never modifies or deletes it', async () => {
    const { Subnets = [] } = await c.ec2.send(new DescribeSubnetsCommand({}));
    const blue = await c.elbv2.send(
      new CreateTargetGroupCommand({
        Name: 'blue-fleet',
        Protocol: 'HTTP',
        Port: 8080,
        VpcId: Subnets[0]!.VpcId,
      }),
    );
    const blueArn = blue.TargetGroups![0]!.TargetGroupArn!;
    const objects = threeMemberGroup();
    const ing = objects.ingresses[0]!;
    ing.metadata!.annotations![`${P}actions.blue`] =
      '{"type":"forward","forwardConfig":{"targetGroups":[{"targetGroupName":"blue-fleet"}]}}';
    ing.spec!.rules![0]!.http!.paths = [
      {
        path: '/',
        pathType: 'Prefix',
        backend: { service: { name: 'blue', port: { name: 'use-annotation' } } },
      },
    ];
    await converge(snapshotFor(objects));
    const d = await dumpAws(c);
    const rule = d.rules.find((r) => JSON.stringify(r.conditions).includes('alpha.example.com'))!;
    expect(JSON.stringify(rule.actions)).toContain('tg:blue-fleet');
    const external = () => dumpAws(c).then((x) => x.targetGroups.find((t) => t.name === 'blue-fleet'));
    expect(await external()).toMatchObject({ tags: {}, targets: [] });
    expect((await reconcileStack(deletionSnapshot('shop'), c, opts)).outcome).toBe('Succeeded');
    expect(await external()).toMatchObject({ tags: {}, targets: [] });
    expect(blueArn).toMatch(/targetgroup\/blue-fleet/);
  });
});

describe('subnet discovery', () => {
  it('skips subnets tagged for another cluster and picks one per AZ', async () => {
    const { Subnets = [] } = await c.ec2.send(new DescribeSubnetsCommand({}));
    const other = Subnets.filter((s) => s.Tags?.some((t) => t.Key === 'kubernetes.io/role/internal-elb'))[0]!;
    await c.ec2.send(
      new CreateTagsCommand({
        Resources: [other.SubnetId!],
        Tags: [
          { Key: 'kubernetes.io/cluster/someone-else', Value: 'owned' },
          { Key: `kubernetes.io/cluster/${CLUSTER}`, Value: '' },
        ],
      }),
    );
    // Untag ours from that subnet: now it belongs to another cluster only.
    const { DeleteTagsCommand } = await import('@aws-sdk/client-ec2');
    await c.ec2.send(
      new DeleteTagsCommand({
        Resources: [other.SubnetId!],
        Tags: [{ Key: `kubernetes.io/cluster/${CLUSTER}` }],
      }),
    );
    await converge(snapshotFor(threeMemberGroup()));
    const d = await dumpAws(c);
    expect(d.loadBalancers[0]!.subnets).toHaveLength(2);
    expect(d.loadBalancers[0]!.subnets).not.toContain(other.SubnetId);
  });

  it('fails clearly with fewer than two AZs', async () => {
    const r = await reconcileStack(
      snapshotFor(
        threeMemberGroup({ shared: { [`${P}scheme`]: 'internet-facing', [`${P}load-balancer-name`]: 'x' } }),
      ),
      c,
      opts,
    );
    expect(r.outcome).toBe('Succeeded'); // seeded subnets carry both role tags
    const { DeleteTagsCommand } = await import('@aws-sdk/client-ec2');
    const { Subnets = [] } = await c.ec2.send(new DescribeSubnetsCommand({}));
    await c.ec2.send(
      new DeleteTagsCommand({
        Resources: Subnets.map((s) => s.SubnetId!),
        Tags: [{ Key: 'kubernetes.io/role/internal-elb' }],
      }),
    );
    const failed = await reconcileStack(
      snapshotFor(threeMemberGroup({ shared: { [`${P}load-balancer-name`]: 'y' } })),
      c,
      opts,
    );
    expect(failed.outcome).toBe('Failed');
    if (failed.outcome === 'Failed') {
      expect(failed.error.reason).toBe('NotFound');
      expect(failed.error.message).toMatch(/at least two availability zones/);
    }
  });
});

describe('deletion', () => {
  it('stack: null deletes the ALB, target groups and the managed SG, and nothing else', async () => {
    await converge(snapshotFor(threeMemberGroup({ instanceIds })));
    const other = threeMemberGroup({ instanceIds });
    for (const i of other.ingresses) i.metadata!.annotations![`${P}group.name`] = 'other';
    await converge(snapshotFor(other, 'other'));
    const r = await reconcileStack(deletionSnapshot('shop'), c, opts);
    expect(r.outcome).toBe('Succeeded');
    const d = await dumpAws(c);
    expect(d.loadBalancers.map((l) => l.tags['ingress.k8s.aws/stack'])).toEqual(['other']);
    expect(d.targetGroups.every((t) => t.tags['ingress.k8s.aws/stack'] === 'other')).toBe(true);
    expect(d.targetGroups).toHaveLength(3);
    // Left: the other stack's managed SG, the backend SG its ALB still uses, and the node SG admitting it
    // on the other stack's ports only.
    const backend = d.securityGroups.find((g) => g.name.startsWith('k8s-traffic-'))!;
    expect(d.securityGroups.map((g) => g.name)).toEqual([
      `eks-cluster-sg-${CLUSTER}`,
      expect.stringMatching(/^k8s-other-/),
      backend.name,
    ]);
    const nodes = d.securityGroups.find((g) => g.name === `eks-cluster-sg-${CLUSTER}`)!;
    expect(nodes.ingress).toEqual(d.targetGroups.map((tg) => `${tg.port}:${backend.name}`).sort());
    // The last stack gone: no rule and no backend SG stays behind.
    expect((await reconcileStack(deletionSnapshot('other'), c, opts)).outcome).toBe('Succeeded');
    const empty = await dumpAws(c);
    expect(empty.securityGroups).toEqual([{ name: `eks-cluster-sg-${CLUSTER}`, ingress: [] }]);
    const again = await reconcileStack(deletionSnapshot('shop'), c, opts);
    expect(again.apiCalls.write).toBe(0);
  });
});
