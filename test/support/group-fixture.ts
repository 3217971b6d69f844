/**
 * Cluster objects for reconciler tests, built into snapshots by the real model builder: a group of up to
 * three Ingresses in three namespaces, NodePort Services, ready nodes and EndpointSlices.
 */
import type { V1EndpointSlice, V1Ingress, V1Node, V1Service } from '@kubernetes/client-node';
import { buildStacks } from '../../shared/build';
import type { ClusterObjects } from '../../shared/cluster';
import { API_VERSION, type StackSnapshot, stackDigest } from '../../shared/messages';

export const CLUSTER = 'test-cluster';
const P = 'alb.ingress.kubernetes.io/';

export interface MemberSpec {
  ns: string;
  host: string;
  paths?: { path: string; pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific' }[];
  annotations?: Record<string, string>;
  order?: number;
}

export function ingress(m: MemberSpec, group = 'shop', shared: Record<string, string> = {}): V1Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: `web-${m.ns}`,
      namespace: m.ns,
      uid: `uid-ing-${m.ns}`,
      annotations: {
        [`${P}group.name`]: group,
        ...(m.order !== undefined ? { [`${P}group.order`]: String(m.order) } : {}),
        ...shared,
        ...m.annotations,
      },
    },
    spec: {
      ingressClassName: 'alb',
      rules: [
        {
          host: m.host,
          http: {
            paths: (m.paths ?? [{ path: '/', pathType: 'Prefix' }]).map((p) => ({
              ...p,
              backend: { service: { name: 'web', port: { number: 80 } } },
            })),
          },
        },
      ],
    },
  };
}

export function service(
  ns: string,
  nodePort: number,
  type: 'NodePort' | 'ClusterIP' = 'NodePort',
): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: ns, uid: `uid-svc-${ns}` },
    spec: {
      type,
      ports: [{ name: 'http', port: 80, targetPort: 8080, ...(type === 'NodePort' ? { nodePort } : {}) }],
    },
  };
}

/** A ready node; `instanceId` defaults to a made-up id (pass a seeded instance's to reach its ENI). */
export function node(i: number, instanceId = `i-0000000000000000${i}`): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `node-${i}` },
    spec: { providerID: `aws:///us-east-1a/${instanceId}` },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

export function endpointSlice(ns: string, ips: string[]): V1EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `web-${ns}-abc`, namespace: ns, labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080 }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
  };
}

export const NAMESPACES = ['alpha', 'beta', 'gamma'] as const;

export function threeMemberGroup(
  over: {
    shared?: Record<string, string>;
    members?: MemberSpec[];
    serviceType?: 'NodePort' | 'ClusterIP';
    /** EC2 instances behind the two nodes (the seeded world's, so their security group is real). */
    instanceIds?: readonly string[];
  } = {},
): ClusterObjects {
  const members =
    over.members ??
    NAMESPACES.map((ns, i) => ({
      ns,
      host: `${ns}.example.com`,
      paths: [
        { path: '/', pathType: 'Prefix' as const },
        { path: '/health', pathType: 'Exact' as const },
      ],
      order: i,
    }));
  return {
    ingressClasses: [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: { name: 'alb' },
        spec: { controller: 'ingress.k8s.aws/alb' },
      },
    ],
    ingressClassParams: [],
    namespaces: [],
    ingresses: members.map((m) => ingress(m, 'shop', over.shared)),
    services: NAMESPACES.map((ns, i) => service(ns, 30080 + i, over.serviceType ?? 'NodePort')),
    nodes: [node(1, over.instanceIds?.[0]), node(2, over.instanceIds?.[1])],
    endpointSlices: NAMESPACES.map((ns, i) => endpointSlice(ns, [`10.0.${i}.10`, `10.0.${i}.11`])),
  };
}

/** The one stack `stackId` of `objects` as a snapshot; fails the test on model problems. */
export function snapshotFor(
  objects: ClusterObjects,
  stackId = 'shop',
  o: { verify?: boolean; seq?: number } = {},
): StackSnapshot {
  const build = buildStacks(objects, { clusterName: CLUSTER }).find((b) => b.stackId === stackId);
  if (!build) return deletionSnapshot(stackId, o.seq);
  if (!build.result.ok) throw new Error(`model problems: ${JSON.stringify(build.result.problems)}`);
  const { stack } = build.result;
  return {
    apiVersion: API_VERSION,
    kind: 'StackSnapshot',
    cluster: CLUSTER,
    stackId,
    seq: o.seq ?? 1,
    digest: stackDigest(stack),
    verify: o.verify ?? false,
    members: build.members,
    inactiveMembers: build.inactiveMembers,
    stack,
  };
}

export function deletionSnapshot(stackId = 'shop', seq = 1): StackSnapshot {
  return {
    apiVersion: API_VERSION,
    kind: 'StackSnapshot',
    cluster: CLUSTER,
    stackId,
    seq,
    digest: stackDigest(null),
    verify: false,
    members: [],
    inactiveMembers: [],
    stack: null,
  };
}
