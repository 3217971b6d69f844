import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  covers,
  diffTargetRules,
  isManagedRule,
  MANAGED_RULE_DESCRIPTION,
  type PortNeed,
  type RuleOperation,
  type SourceRule,
  sourceRulesOf,
} from '../../lambda/reconciler/kinds/backend-sg/diff';
import { owns } from '../../lambda/reconciler/kinds/backend-sg/enis';
import {
  chooseTargetSecurityGroup,
  needsOf,
  portsOf,
  portsOfObserved,
} from '../../lambda/reconciler/kinds/backend-sg/needs';
import type { DesiredTargetGroup } from '../../shared/model';
import { backendSecurityGroupName } from '../../shared/names';

const BACKEND = 'sg-backend';
const NODE = 'sg-node';
const rule = (from: number, to: number, o: Partial<SourceRule> = {}): SourceRule => ({
  groupId: NODE,
  protocol: 'tcp',
  fromPort: from,
  toPort: to,
  sourceGroupId: BACKEND,
  description: MANAGED_RULE_DESCRIPTION,
  ...o,
});

/** Applies operations to a simulated set of rules as EC2 would. */
function applyOps(observed: readonly SourceRule[], ops: readonly RuleOperation[]): SourceRule[] {
  let rules = [...observed];
  for (const op of ops) {
    if (op.kind === 'authorize') {
      for (const port of op.ports) rules.push(rule(port, port, { groupId: op.groupId }));
    } else {
      rules = rules.filter((r) => !op.rules.some((x) => JSON.stringify(x) === JSON.stringify(r)));
    }
  }
  return rules;
}

describe('backend security group name', () => {
  it('is the LBC name (golden value from its tests)', () => {
    expect(backendSecurityGroupName('testCluster')).toBe('k8s-traffic-testCluster-411a1bcdb1');
  });
  it('drops non-alphanumerics from the readable part only and stays within 255 characters', () => {
    expect(backendSecurityGroupName('my-cluster_1')).toMatch(/^k8s-traffic-mycluster1-[0-9a-f]{10}$/);
    expect(backendSecurityGroupName('x'.repeat(300))).toHaveLength(255);
  });
});

describe('managed rule description', () => {
  it('recognises the LBC label alone or among others, and nothing else', () => {
    expect(isManagedRule(MANAGED_RULE_DESCRIPTION)).toBe(true);
    expect(isManagedRule('team=web,elbv2.k8s.aws/targetGroupBinding=shared')).toBe(true);
    expect(isManagedRule('elbv2.k8s.aws/targetGroupBinding=exclusive')).toBe(false);
    expect(isManagedRule('allow the ALB in')).toBe(false);
    expect(isManagedRule(undefined)).toBe(false);
  });
});

describe('diffTargetRules', () => {
  it('authorizes each missing port once per group, as single-port rules', () => {
    const needs: PortNeed[] = [
      { groupId: NODE, port: 30080 },
      { groupId: NODE, port: 8080 },
      { groupId: NODE, port: 30080 },
      { groupId: 'sg-pods', port: 8080 },
    ];
    expect(diffTargetRules({ backendSgId: BACKEND, needs, observed: [] })).toEqual([
      { kind: 'authorize', groupId: NODE, ports: [8080, 30080] },
      { kind: 'authorize', groupId: 'sg-pods', ports: [8080] },
    ]);
  });

  it('takes an LBC range rule (or an all-traffic rule) as covering every port inside it', () => {
    const needs = [
      { groupId: NODE, port: 30080 },
      { groupId: NODE, port: 8080 },
    ];
    expect(diffTargetRules({ backendSgId: BACKEND, needs, observed: [rule(8080, 30081)] })).toEqual([]);
    expect(
      diffTargetRules({ backendSgId: BACKEND, needs, observed: [rule(0, 65535, { protocol: '-1' })] }),
    ).toEqual([]);
    // Same ports from another group, or udp, do not count.
    expect(
      diffTargetRules({
        backendSgId: BACKEND,
        needs,
        observed: [rule(8080, 30081, { sourceGroupId: 'sg-x' }), rule(8080, 30081, { protocol: 'udp' })],
      }),
    ).toEqual([{ kind: 'authorize', groupId: NODE, ports: [8080, 30080] }]);
  });

  it('never revokes without the cluster ports (a normal reconcile only adds)', () => {
    const ops = diffTargetRules({ backendSgId: BACKEND, needs: [], observed: [rule(30080, 30080)] });
    expect(ops).toEqual([]);
  });

  it('revokes a managed rule only when no target group of the cluster needs a port in it', () => {
    const observed = [rule(30080, 30080), rule(30081, 30081), rule(8000, 9000)];
    const ops = diffTargetRules({
      backendSgId: BACKEND,
      needs: [],
      observed,
      clusterPorts: new Set([30081, 8500]),
    });
    expect(ops).toEqual([{ kind: 'revoke', groupId: NODE, rules: [rule(30080, 30080)] }]);
  });

  it('keeps user rules, rules from other groups and non-tcp rules', () => {
    const observed = [
      rule(30080, 30080, { description: 'opened by hand' }),
      rule(30080, 30080, { description: undefined }),
      rule(30080, 30080, { sourceGroupId: 'sg-other' }),
      rule(30080, 30080, { protocol: 'udp' }),
    ];
    expect(diffTargetRules({ backendSgId: BACKEND, needs: [], observed, clusterPorts: new Set() })).toEqual(
      [],
    );
  });

  const arbRule = fc.record({
    groupId: fc.constantFrom(NODE, 'sg-pods', 'sg-old'),
    protocol: fc.constantFrom('tcp', 'tcp', 'udp', '-1'),
    from: fc.integer({ min: 1, max: 40 }),
    width: fc.integer({ min: 0, max: 10 }),
    sourceGroupId: fc.constantFrom(BACKEND, BACKEND, 'sg-user'),
    description: fc.constantFrom(MANAGED_RULE_DESCRIPTION, 'x=y', 'by hand', undefined),
  });
  const arbNeed = fc.record({
    groupId: fc.constantFrom(NODE, 'sg-pods', 'sg-new'),
    port: fc.integer({ min: 1, max: 50 }),
  });

  it('property: every need is covered, no user rule is revoked, no still-needed port loses its rule, and a second diff is empty', () => {
    fc.assert(
      fc.property(
        fc.array(arbRule, { maxLength: 12 }),
        fc.array(arbNeed, { maxLength: 8 }),
        fc.option(fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 6 }), { nil: undefined }),
        (raw, needs, cluster) => {
          const observed = raw.map((r) =>
            rule(r.from, r.from + r.width, {
              groupId: r.groupId,
              protocol: r.protocol,
              sourceGroupId: r.sourceGroupId,
              description: r.description,
            }),
          );
          const clusterPorts = cluster ? new Set(cluster) : undefined;
          const ops = diffTargetRules({ backendSgId: BACKEND, needs, observed, clusterPorts });
          for (const op of ops) {
            if (op.kind !== 'revoke') continue;
            expect(clusterPorts).toBeDefined();
            for (const r of op.rules) {
              expect(isManagedRule(r.description)).toBe(true);
              expect(r.sourceGroupId).toBe(BACKEND);
              for (const p of [...(clusterPorts ?? []), ...needs.map((n) => n.port)])
                expect(covers(r, BACKEND, p)).toBe(false);
            }
          }
          const after = applyOps(observed, ops);
          for (const n of needs)
            expect(after.some((r) => r.groupId === n.groupId && covers(r, BACKEND, n.port))).toBe(true);
          for (const r of observed)
            if (!isManagedRule(r.description) || r.sourceGroupId !== BACKEND) expect(after).toContainEqual(r);
          expect(diffTargetRules({ backendSgId: BACKEND, needs, observed: after, clusterPorts })).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('sourceRulesOf', () => {
  it('splits AWS-grouped permissions into one rule per source group, all-traffic as 0-65535', () => {
    expect(
      sourceRulesOf(NODE, [
        {
          IpProtocol: 'tcp',
          FromPort: 8080,
          ToPort: 8080,
          UserIdGroupPairs: [
            { GroupId: BACKEND, Description: MANAGED_RULE_DESCRIPTION },
            { GroupId: 'sg-user' },
          ],
          IpRanges: [{ CidrIp: '10.0.0.0/8' }],
        },
        { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: BACKEND }] },
      ]),
    ).toEqual([
      rule(8080, 8080),
      rule(8080, 8080, { sourceGroupId: 'sg-user', description: undefined }),
      rule(0, 65535, { protocol: '-1', description: undefined }),
    ]);
  });
});

const tg = (o: Partial<DesiredTargetGroup>): DesiredTargetGroup => ({
  resourceId: 'ns/ing-svc:80',
  name: 'k8s-ns-svc-0123456789',
  targetType: 'instance',
  protocol: 'HTTP',
  protocolVersion: 'HTTP1',
  port: 30080,
  ipAddressType: 'ipv4',
  healthCheck: {
    protocol: 'HTTP',
    port: 'traffic-port',
    path: '/',
    intervalSeconds: 15,
    timeoutSeconds: 5,
    healthyThresholdCount: 2,
    unhealthyThresholdCount: 2,
    matcher: { httpCode: '200' },
  },
  attributes: {},
  tags: {},
  targets: [],
  ...o,
});

describe('needs', () => {
  it('instance mode: the nodePort (the target group port) and a numeric health-check port', () => {
    const t = tg({
      targets: [
        { id: 'i-1', port: 30080 },
        { id: 'i-2', port: 30080 },
      ],
      healthCheck: { ...tg({}).healthCheck, port: 10254 },
    });
    expect(portsOf(t)).toEqual([10254, 30080]);
    expect(needsOf(t, (id) => (id === 'i-1' ? NODE : undefined))).toEqual([
      { groupId: NODE, port: 30080 },
      { groupId: NODE, port: 10254 },
    ]);
  });

  it('ip mode with a named targetPort: the targets carry the real ports, the target group port (1) is not one', () => {
    const t = tg({
      targetType: 'ip',
      port: 1,
      targets: [
        { id: '10.0.0.5', port: 8080 },
        { id: '10.0.0.6', port: 9090 },
      ],
    });
    expect(portsOf(t)).toEqual([8080, 9090]);
    expect(needsOf(t, () => 'sg-pods')).toEqual([
      { groupId: 'sg-pods', port: 8080 },
      { groupId: 'sg-pods', port: 9090 },
    ]);
  });

  it('observed target groups: the port unless it is the ip placeholder, plus a numeric health-check port and target ports', () => {
    expect(portsOfObserved({ port: 30080, healthCheckPort: 'traffic-port', targetType: 'instance' })).toEqual(
      [30080],
    );
    expect(
      portsOfObserved({ port: 1, healthCheckPort: '8081', targetType: 'ip', targetPorts: [8080] }),
    ).toEqual([8080, 8081]);
  });
});

describe('chooseTargetSecurityGroup', () => {
  const tags: Record<string, Record<string, string>> = {
    'sg-a': { 'kubernetes.io/cluster/c1': 'owned' },
    'sg-b': {},
    'sg-c': { 'kubernetes.io/cluster/c1': 'shared' },
  };
  const choose = (...groupIds: string[]) =>
    chooseTargetSecurityGroup({ id: 'eni-1', groupIds }, (g) => tags[g], 'c1');
  it('has nothing to open on an interface without groups (moto), and otherwise takes the only group, else the one tagged for the cluster', () => {
    expect(choose()).toEqual({ none: true });
    expect(choose('sg-b')).toEqual({ groupId: 'sg-b' });
    expect(choose('sg-a', 'sg-b')).toEqual({ groupId: 'sg-a' });
  });
  it('names the interface and its groups when none or several are tagged', () => {
    const none = choose('sg-b', 'sg-x');
    expect('conflict' in none && none.conflict).toMatch(
      /eni-1 .*sg-b, sg-x.*none.*kubernetes.io\/cluster\/c1/,
    );
    const two = choose('sg-a', 'sg-c');
    expect('conflict' in two && two.conflict).toMatch(/2 \(sg-a, sg-c\)/);
  });
});

describe('which interface owns a pod IP', () => {
  const eni = {
    PrivateIpAddress: '10.0.0.5',
    PrivateIpAddresses: [{ PrivateIpAddress: '10.0.0.5' }, { PrivateIpAddress: '10.0.0.9' }],
    Ipv6Addresses: [{ Ipv6Address: '2600:1f18::10' }],
    Ipv4Prefixes: [{ Ipv4Prefix: '10.0.4.16/28' }],
  };
  it('matches primary and secondary addresses and IPv6 addresses', () => {
    expect(owns(eni, '10.0.0.5')).toBe(true);
    expect(owns(eni, '10.0.0.9')).toBe(true);
    expect(owns(eni, '2600:1f18::10')).toBe(true);
    expect(owns(eni, '10.0.0.6')).toBe(false);
  });
  it('matches addresses out of a delegated /28 prefix, and only those', () => {
    expect(owns(eni, '10.0.4.16')).toBe(true);
    expect(owns(eni, '10.0.4.31')).toBe(true);
    expect(owns(eni, '10.0.4.15')).toBe(false);
    expect(owns(eni, '10.0.4.32')).toBe(false);
    expect(owns(eni, '2600:1f18::11')).toBe(false);
  });
});
