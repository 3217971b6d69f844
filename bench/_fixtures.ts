/** Synthetic clusters for the benchmarks: one group of N Ingresses with P paths in total. */
import type { V1Ingress } from '@kubernetes/client-node';
import type { ClusterObjects } from '../shared/cluster';

export function bigGroup(members: number, totalPaths: number, group = 'big'): ClusterObjects {
  const perMember = Math.max(1, Math.floor(totalPaths / members));
  const ingresses: V1Ingress[] = [];
  const services = [];
  for (let i = 0; i < members; i++) {
    const ns = `team-${i}`;
    services.push({
      metadata: { name: 'svc', namespace: ns, uid: `uid-${i}` },
      spec: { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30000 + i }] },
    });
    ingresses.push({
      metadata: {
        name: `ing-${i}`,
        namespace: ns,
        annotations: {
          'alb.ingress.kubernetes.io/group.name': group,
          'alb.ingress.kubernetes.io/group.order': String(i % 7),
        },
      },
      spec: {
        ingressClassName: 'alb',
        rules: [
          {
            host: `team-${i}.example.com`,
            http: {
              paths: Array.from({ length: perMember }, (_, p) => ({
                path: `/p${p}`,
                pathType: p % 3 === 0 ? 'Exact' : 'Prefix',
                backend: { service: { name: 'svc', port: { number: 80 } } },
              })),
            },
          },
        ],
      },
    });
  }
  return {
    ingresses,
    services,
    ingressClasses: [{ metadata: { name: 'alb' }, spec: { controller: 'ingress.k8s.aws/alb' } }],
    ingressClassParams: [],
    namespaces: [],
    nodes: Array.from({ length: 3 }, (_, i) => ({
      metadata: { name: `n${i}` },
      spec: { providerID: `aws:///us-east-1a/i-00000000000000${i}` },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    })),
    endpointSlices: [],
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

export function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return `${rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i]!)).join('  ')).join('\n')}\n`;
}
