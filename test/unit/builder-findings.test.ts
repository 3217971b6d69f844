/** The builder reports each mistake once, on the object that made it. */
import { describe, expect, it } from 'vitest';
import { buildStack, validateIngress } from '../../shared/build';
import type { ClusterObjects } from '../../shared/cluster';
import { formatProblem } from '../../shared/problems';
import { CLUSTER, endpointSlice, node, service, threeMemberGroup } from '../support/group-fixture';

const P = 'alb.ingress.kubernetes.io/';
const opts = { clusterName: CLUSTER };

function problems(objects: ClusterObjects): string[] {
  const b = buildStack('shop', objects, opts);
  if (!b || b.result.ok) throw new Error('expected the model to fail');
  return b.result.problems.map(formatProblem);
}

/** alpha's Ingress with a second path to a second Service, so one annotation reaches two target groups. */
function twoBackends(annotations: Record<string, string>): ClusterObjects {
  const objects = threeMemberGroup();
  const ing = objects.ingresses[0]!;
  Object.assign(ing.metadata!.annotations!, annotations);
  ing.spec!.rules![0]!.http!.paths.push({
    path: '/two',
    pathType: 'Prefix',
    backend: { service: { name: 'web2', port: { number: 80 } } },
  });
  objects.services.push({ ...service('alpha', 30111), metadata: { name: 'web2', namespace: 'alpha' } });
  return objects;
}

describe('each problem is reported once', () => {
  it('interval = timeout = 10 on one Ingress is one denial, however many target groups use it', () => {
    const objects = twoBackends({
      [`${P}healthcheck-interval-seconds`]: '10',
      [`${P}healthcheck-timeout-seconds`]: '10',
    });
    expect(problems(objects)).toEqual([
      `alpha/web-alpha: ${P}healthcheck-timeout-seconds: 10: expected less than healthcheck-interval-seconds (10)`,
    ]);
    const v = validateIngress(objects.ingresses[0]!, objects, opts);
    expect(v.problems).toHaveLength(1);
  });
  it('a timeout above the default interval is one denial naming the default', () => {
    expect(problems(twoBackends({ [`${P}healthcheck-timeout-seconds`]: '20' }))).toEqual([
      `alpha/web-alpha: ${P}healthcheck-timeout-seconds: 20: expected less than healthcheck-interval-seconds (15, the default)`,
    ]);
  });
  it('an interval at the default timeout is blamed on the interval', () => {
    expect(problems(twoBackends({ [`${P}healthcheck-interval-seconds`]: '5' }))).toEqual([
      `alpha/web-alpha: ${P}healthcheck-interval-seconds: 5: expected more than healthcheck-timeout-seconds (5, the default)`,
    ]);
  });
  it('an Ingress timeout against a Service interval names the Service', () => {
    const objects = threeMemberGroup();
    objects.ingresses[0]!.metadata!.annotations![`${P}healthcheck-timeout-seconds`] = '10';
    objects.services[0]!.metadata!.annotations = { [`${P}healthcheck-interval-seconds`]: '10' };
    expect(problems(objects)).toEqual([
      `alpha/web-alpha: ${P}healthcheck-timeout-seconds: 10: expected less than healthcheck-interval-seconds (10, set on Service alpha/web)`,
    ]);
  });
  it('a Service timeout against the Ingress interval is the Service’s problem, once', () => {
    const objects = threeMemberGroup();
    objects.ingresses[0]!.metadata!.annotations![`${P}healthcheck-interval-seconds`] = '10';
    objects.services[0]!.metadata!.annotations = { [`${P}healthcheck-timeout-seconds`]: '10' };
    expect(problems(objects)).toEqual([
      `alpha/web: ${P}healthcheck-timeout-seconds: 10: expected less than healthcheck-interval-seconds (10, set on the Ingress)`,
    ]);
  });
  it('a missing Service on two listeners is one warning', () => {
    const objects = threeMemberGroup({
      shared: {
        [`${P}listen-ports`]: '[{"HTTP":80},{"HTTPS":443}]',
        [`${P}certificate-arn`]: 'arn:aws:acm:us-east-1:123456789012:certificate/x',
      },
    });
    objects.ingresses[0]!.spec!.rules![0]!.http!.paths[0]!.backend = {
      service: { name: 'gone', port: { number: 80 } },
    };
    const b = buildStack('shop', objects, opts)!;
    expect(b.result.warnings.filter((w) => w.message.includes('alpha/gone'))).toHaveLength(1);
  });
});

describe('targets per load balancer', () => {
  const P2 = 'alb.ingress.kubernetes.io/';
  it('over 1,000 registrations fails the group with the quota named; each target group counts', () => {
    const objects = threeMemberGroup({ shared: { [`${P2}target-type`]: 'ip' } });
    const ips = (n: number, seed: number) =>
      Array.from({ length: n }, (_, i) => `10.${seed}.${i >> 8}.${i & 255}`);
    objects.endpointSlices = [
      endpointSlice('alpha', ips(400, 1)),
      endpointSlice('beta', ips(400, 2)),
      endpointSlice('gamma', ips(200, 3)),
    ];
    expect(buildStack('shop', objects, opts)!.result.ok).toBe(true);
    objects.endpointSlices[2] = endpointSlice('gamma', ips(201, 3));
    expect(problems(objects)).toEqual([
      'gamma/web-gamma: targets: 1001 targets: expected at most 1000 targets per load balancer (ALB quota; a target counts once for each target group it is registered in)',
    ]);
  });
  it('instance targets count once per node per target group', () => {
    const objects = threeMemberGroup();
    objects.nodes = Array.from({ length: 334 }, (_, i) => ({
      ...node(1),
      metadata: { name: `n${i}` },
      spec: { providerID: `aws:///us-east-1a/i-${String(i).padStart(17, '0')}` },
    }));
    expect(problems(objects).join()).toContain('1002 targets');
  });
});
