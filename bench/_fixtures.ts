/** Synthetic clusters for the benchmarks: one group of N Ingresses with P paths in total. */
import type { V1EndpointSlice, V1Ingress } from '@kubernetes/client-node';
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

/** `count` unrelated Ingresses (each its own implicit group) with a Service and a 3-endpoint slice each. */
export function manyIngresses(count: number): ClusterObjects {
  const objects = bigGroup(1, 1, 'unused');
  objects.ingresses = [];
  objects.services = [];
  for (let i = 0; i < count; i++) {
    const ns = `app-${i}`;
    objects.services.push({
      metadata: { name: 'svc', namespace: ns, uid: `uid-app-${i}` },
      spec: {
        type: 'NodePort',
        ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30000 + (i % 2000) }],
      },
    });
    objects.endpointSlices.push(slice(ns, 'svc', 3, i));
    objects.ingresses.push({
      metadata: { name: `ing-${i}`, namespace: ns, annotations: {} },
      spec: {
        ingressClassName: 'alb',
        rules: [
          {
            host: `app-${i}.example.com`,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'svc', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    });
  }
  return objects;
}

function slice(ns: string, svc: string, endpoints: number, seed: number): V1EndpointSlice {
  return {
    metadata: { name: `${svc}-${seed}`, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080 }],
    endpoints: Array.from({ length: endpoints }, (_, e) => ({
      addresses: [`10.${seed & 255}.${(e >> 8) & 255}.${e & 255}`],
      conditions: { ready: true },
    })),
  };
}

/** An ip-mode group of `members` Ingresses, each with its own Service of `endpoints` ready endpoints. */
export function groupWithEndpoints(members: number, endpoints: number): ClusterObjects {
  const objects = bigGroup(members, members, 'eps');
  for (const ing of objects.ingresses)
    ing.metadata!.annotations!['alb.ingress.kubernetes.io/target-type'] = 'ip';
  objects.endpointSlices = objects.services.map((s, i) => {
    const ns = s.metadata!.namespace!;
    // EndpointSlices hold at most 100 endpoints each by default; one big slice costs the builder the same.
    return slice(ns, 'svc', endpoints, i);
  });
  return objects;
}
