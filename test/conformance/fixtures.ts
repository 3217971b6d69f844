/**
 * The objects LBC's reference cases share (its `ns_1_svc_*` Services, the three-path Ingress of its
 * model-builder table) and the neutral form of its base stack. Every Ingress is of class `alb`: LBC's
 * tests hand a classified group to the builder, Albatross finds the group from the IngressClass.
 * Services with a nodePort are `type: NodePort` (LBC's fixtures leave the type out; the API server
 * refuses a nodePort on a ClusterIP Service).
 */
import type {
  V1HTTPIngressPath,
  V1Ingress,
  V1IngressBackend,
  V1IngressClass,
  V1IngressRule,
  V1Service,
  V1ServicePort,
} from '@kubernetes/client-node';
import { type ClusterObjects, emptyClusterObjects } from '../../shared/cluster';
import type { IngressClassParamsObject } from '../../shared/ingress-class-params';
import { defaultHealthCheck, fixed404, forward, host, type NStack, path, rules } from './neutral';

export const P = 'alb.ingress.kubernetes.io/';

/** `{ 'scheme': 'internal' }` → `{ 'alb.ingress.kubernetes.io/scheme': 'internal' }`. */
export function alb(annotations: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations).map(([k, v]) => [`${P}${k}`, v]));
}

export const ALB_CLASS: V1IngressClass = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'alb' },
  spec: { controller: 'ingress.k8s.aws/alb' },
};

export function service(
  ns: string,
  name: string,
  ports: V1ServicePort[],
  o: { annotations?: Record<string, string>; ipFamilies?: string[]; type?: string } = {},
): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: ns, name, ...(o.annotations ? { annotations: alb(o.annotations) } : {}) },
    spec: {
      type: o.type ?? (ports.some((p) => p.nodePort) ? 'NodePort' : 'ClusterIP'),
      ports,
      ...(o.ipFamilies ? { ipFamilies: o.ipFamilies } : {}),
    },
  };
}

const httpPort: V1ServicePort = { name: 'http', port: 80, targetPort: 8080, nodePort: 32768 };
const httpsPort: V1ServicePort = { name: 'https', port: 443, targetPort: 8443, nodePort: 32768 };

export const svc1 = service('ns-1', 'svc-1', [httpPort]);
export const svc2 = service('ns-1', 'svc-2', [httpPort], {
  annotations: {
    'target-type': 'instance',
    'backend-protocol': 'HTTP',
    'healthcheck-protocol': 'HTTP',
    'healthcheck-port': 'traffic-port',
    'healthcheck-path': '/',
    'healthcheck-interval-seconds': '15',
    'healthcheck-timeout-seconds': '5',
    'healthy-threshold-count': '2',
    'unhealthy-threshold-count': '2',
    'success-codes': '200',
  },
});
export const svc3 = service('ns-1', 'svc-3', [httpsPort], {
  annotations: {
    'target-type': 'ip',
    'backend-protocol': 'HTTPS',
    'healthcheck-protocol': 'HTTPS',
    'healthcheck-port': '9090',
    'healthcheck-path': '/health-check',
    'healthcheck-interval-seconds': '20',
    'healthcheck-timeout-seconds': '10',
    'healthy-threshold-count': '7',
    'unhealthy-threshold-count': '5',
    'success-codes': '200-300',
  },
});
export const svcIpv6 = service('ns-1', 'svc-ipv6', [httpsPort], { ipFamilies: ['IPv6'] });
export const svcNamedTargetPort = service('ns-1', 'svc-named-targetport', [
  { name: 'https', port: 443, targetPort: 'target-port', nodePort: 32768 },
]);

type PathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';

/** A path to a Service port, by name (a string) or number; no pathType unless given, as in LBC's tests. */
export function to(
  pathValue: string | undefined,
  svc: string,
  port: string | number,
  pathType?: PathType,
): V1HTTPIngressPath {
  return {
    ...(pathValue !== undefined ? { path: pathValue } : {}),
    pathType: pathType ?? 'ImplementationSpecific',
    backend: {
      service: { name: svc, port: typeof port === 'number' ? { number: port } : { name: port } },
    },
  };
}

export function rule(hostName: string | undefined, ...paths: V1HTTPIngressPath[]): V1IngressRule {
  return { ...(hostName ? { host: hostName } : {}), http: { paths } };
}

export function ingress(
  ns: string,
  name: string,
  o: {
    annotations?: Record<string, string>;
    rules?: V1IngressRule[];
    defaultBackend?: V1IngressBackend;
  } = {},
): V1Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { namespace: ns, name, ...(o.annotations ? { annotations: alb(o.annotations) } : {}) },
    spec: {
      ingressClassName: 'alb',
      ...(o.defaultBackend ? { defaultBackend: o.defaultBackend } : {}),
      rules: o.rules ?? [],
    },
  };
}

/** The Ingress of LBC's model-builder table: two hosts, three paths to svc-1, svc-2 and svc-3. */
export const threePathRules: V1IngressRule[] = [
  rule('app-1.example.com', to('/svc-1', 'svc-1', 'http'), to('/svc-2', 'svc-2', 'http')),
  rule('app-2.example.com', to('/svc-3', 'svc-3', 'https')),
];

/** `o` over an empty cluster that has the IngressClass `alb`. */
export function cluster(o: Partial<ClusterObjects>): ClusterObjects {
  return { ...emptyClusterObjects(), ingressClasses: [ALB_CLASS], ...o };
}

/** ns-1/ing-1 of the table with `annotations`, and the three Services. */
export function tableCluster(annotations: Record<string, string> = {}, rs = threePathRules): ClusterObjects {
  return cluster({
    ingresses: [ingress('ns-1', 'ing-1', { annotations, rules: rs })],
    services: [svc1, svc2, svc3],
  });
}

// ---- LBC's `baseStackJSON` in the neutral form.

const TG1 = 'ns-1/ing-1-svc-1:http';
const TG2 = 'ns-1/ing-1-svc-2:http';
const TG3 = 'ns-1/ing-1-svc-3:https';

export const baseRules = rules(
  [[host('app-1.example.com'), path('/svc-1')], forward(TG1)],
  [[host('app-1.example.com'), path('/svc-2')], forward(TG2)],
  [[host('app-2.example.com'), path('/svc-3')], forward(TG3)],
);

export const instanceTg = {
  targetType: 'instance' as const,
  ipAddressType: 'ipv4' as const,
  port: 32768,
  protocol: 'HTTP',
  protocolVersion: 'HTTP1',
  healthCheck: defaultHealthCheck,
  attributes: {},
  tags: {},
};

export const svc3Tg = {
  targetType: 'ip' as const,
  ipAddressType: 'ipv4' as const,
  port: 8443,
  protocol: 'HTTPS',
  protocolVersion: 'HTTP1',
  healthCheck: {
    port: 9090,
    protocol: 'HTTPS',
    path: '/health-check',
    matcher: { httpCode: '200-300' },
    intervalSeconds: 20,
    timeoutSeconds: 10,
    healthyThresholdCount: 7,
    unhealthyThresholdCount: 5,
  },
  attributes: {},
  tags: {},
};

export function baseStack(): NStack {
  return {
    loadBalancer: {
      name: 'k8s-ns1-ing1-b7e914000d',
      scheme: 'internal',
      ipAddressType: 'ipv4',
      subnets: 'discovered',
      securityGroups: 'managed',
      attributes: {},
      tags: {},
    },
    securityGroup: { name: 'k8s-ns1-ing1-bd83176788', ingress: ['80 0.0.0.0/0'] },
    listeners: [{ port: 80, protocol: 'HTTP', certificates: [], defaultAction: fixed404, rules: baseRules }],
    targetGroups: { [TG1]: instanceTg, [TG2]: instanceTg, [TG3]: svc3Tg },
  };
}

/** `baseStack()` changed by `edit` (LBC's cases are merge patches over its base stack). */
export function baseStackWith(edit: (s: NStack) => void): NStack {
  const s = baseStack();
  edit(s);
  return s;
}

// ---- IngressClassParams: LBC's tests attach them to a member's class configuration in code; here the
// IngressClass references them as the LBC's users write it.

export function classParams(name: string, spec: Record<string, unknown>): IngressClassParamsObject {
  return { apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'IngressClassParams', metadata: { name }, spec };
}

export function ingressClass(name: string, params?: string): V1IngressClass {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name },
    spec: {
      controller: 'ingress.k8s.aws/alb',
      ...(params
        ? { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: params } }
        : {}),
    },
  };
}

/** `objects` with the class `alb` taking its parameters from IngressClassParams `alb-params` = `spec`. */
export function withClassParams(objects: ClusterObjects, spec: Record<string, unknown>): ClusterObjects {
  return {
    ...objects,
    ingressClasses: [ingressClass('alb', 'alb-params')],
    ingressClassParams: [classParams('alb-params', spec)],
  };
}
