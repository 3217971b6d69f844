/**
 * Target groups: one per (member Ingress, Service, port as written), with health checks from the layered
 * annotations (Ingress under Service) and the targets the snapshot carries (SPEC §4).
 */
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import { ANNOTATION_PREFIX, type BackendSettings } from '../annotations/types';
import type { DesiredTargetGroup, HealthCheck, IpAddressType, Target } from '../model';
import { targetGroupName } from '../names';
import type { FieldProblem } from '../problems';
import { endpointIsTarget } from '../readiness-gates';
import { RESOURCE_ID, resourceTags } from '../tags';
import type { ClusterIndex } from './cluster-index';

export interface TargetGroupRequest {
  cluster: string;
  stackId: string;
  ingressNamespace: string;
  ingressName: string;
  ingressSettings: BackendSettings;
  /** The Ingress class's IngressClassParams settings: targetType and tags win even over the Service. */
  classSettings?: Pick<BackendSettings, 'targetType' | 'tags'>;
  loadBalancerIpAddressType: IpAddressType;
  service: V1Service;
  /** The Service port as the Ingress wrote it: a number as its decimal string, or the port's name. */
  portAsWritten: string;
}

export type TargetGroupResult =
  | { ok: true; targetGroup: DesiredTargetGroup }
  /** `serviceProblems` are about the Service's own annotations; `problems` are about the Ingress. */
  | { ok: false; problems: FieldProblem[]; serviceProblems: FieldProblem[] }
  | { ok: false; missingPort: true };

const key = (k: string) => `${ANNOTATION_PREFIX}${k}`;

export function findServicePort(svc: V1Service, portAsWritten: string): V1ServicePort | undefined {
  const ports = svc.spec?.ports ?? [];
  return /^\d+$/.test(portAsWritten)
    ? ports.find((p) => p.port === Number(portAsWritten))
    : ports.find((p) => p.name === portAsWritten);
}

function layered(ingress: BackendSettings, service: BackendSettings): BackendSettings {
  const out: BackendSettings = { ...ingress };
  for (const [k, v] of Object.entries(service) as [keyof BackendSettings, unknown][]) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  // Maps merge key by key, the Service winning, so group-wide tags still reach every target group.
  out.tags = { ...ingress.tags, ...service.tags };
  out.targetGroupAttributes = { ...ingress.targetGroupAttributes, ...service.targetGroupAttributes };
  return out;
}

/** As the LBC: a class's targetType replaces the Service's; its tags win key by key. */
function withClass(s: BackendSettings, cls: TargetGroupRequest['classSettings']): BackendSettings {
  if (!cls) return s;
  return {
    ...s,
    ...(cls.targetType ? { targetType: cls.targetType } : {}),
    ...(cls.tags ? { tags: { ...s.tags, ...cls.tags } } : {}),
  };
}

export function buildTargetGroup(req: TargetGroupRequest, index: ClusterIndex): TargetGroupResult {
  const { service } = req;
  const svcPort = findServicePort(service, req.portAsWritten);
  if (!svcPort) return { ok: false, missingPort: true };
  const svcSettings = index.serviceSettings(service);
  if (svcSettings.problems.length > 0)
    return { ok: false, problems: [], serviceProblems: svcSettings.problems };

  const s = withClass(layered(req.ingressSettings, svcSettings.value), req.classSettings);
  const problems: FieldProblem[] = [];
  const targetType = s.targetType ?? 'instance';
  const protocol = s.backendProtocol ?? 'HTTP';
  const protocolVersion = s.backendProtocolVersion ?? 'HTTP1';
  const svcRef = `${service.metadata?.namespace ?? 'default'}/${service.metadata?.name ?? ''}`;

  let port: number;
  if (targetType === 'instance') {
    const type = service.spec?.type ?? 'ClusterIP';
    if (type !== 'NodePort' && type !== 'LoadBalancer') {
      problems.push({
        field: key('target-type'),
        value: 'instance',
        expected: `a NodePort or LoadBalancer Service for instance targets (${svcRef} is ${type}); use target-type ip`,
      });
      return { ok: false, problems, serviceProblems: [] };
    }
    if (!svcPort.nodePort) {
      problems.push({
        field: key('target-type'),
        value: 'instance',
        expected: `a nodePort on port ${req.portAsWritten} of ${svcRef}`,
      });
      return { ok: false, problems, serviceProblems: [] };
    }
    port = svcPort.nodePort;
  } else {
    const tp = svcPort.targetPort ?? svcPort.port;
    port = typeof tp === 'number' ? tp : /^\d+$/.test(tp) ? Number(tp) : 1;
  }

  const grpc = protocolVersion === 'GRPC';
  const interval = s.healthcheckIntervalSeconds ?? DEFAULT_INTERVAL;
  const timeout = s.healthcheckTimeoutSeconds ?? DEFAULT_TIMEOUT;
  const timing = checkHealthcheckTiming(req.ingressSettings, svcSettings.value, svcRef);
  if (timing?.on === 'ingress') problems.push(timing.problem);
  if (timing?.on === 'service') return { ok: false, problems: [], serviceProblems: [timing.problem] };
  const codes = s.successCodes ?? (grpc ? '12' : '200');
  const [lo, hi] = grpc ? [0, 99] : [200, 499];
  const outOfRange = codes
    .split(/[,-]/)
    .map(Number)
    .some((c) => c < lo || c > hi);
  if (outOfRange) {
    problems.push({
      field: key('success-codes'),
      value: codes,
      expected: `codes from ${lo} to ${hi} for backend-protocol-version ${protocolVersion}`,
    });
  }
  const hcPort = resolveHealthcheckPort(s.healthcheckPort ?? 'traffic-port', service, targetType);
  if (!hcPort.ok)
    problems.push({
      field: key('healthcheck-port'),
      value: String(s.healthcheckPort),
      expected: hcPort.expected,
    });
  // As the LBC: a Service with an IPv6 family gets an ipv6 target group, which only a dualstack load
  // balancer can reach.
  const ipAddressType = service.spec?.ipFamilies?.includes('IPv6') ? 'ipv6' : 'ipv4';
  if (ipAddressType === 'ipv6' && req.loadBalancerIpAddressType !== 'dualstack')
    problems.push({
      field: key('ip-address-type'),
      value: req.loadBalancerIpAddressType,
      expected: `dualstack, because Service ${svcRef} has the IPv6 family (spec.ipFamilies) and its target group is ipv6`,
    });
  if (problems.length > 0) return { ok: false, problems, serviceProblems: [] };

  const healthCheck: HealthCheck = {
    protocol: s.healthcheckProtocol ?? protocol,
    port: hcPort.ok ? hcPort.port : 'traffic-port',
    path: s.healthcheckPath ?? (grpc ? '/AWS.ALB/healthcheck' : '/'),
    intervalSeconds: interval,
    timeoutSeconds: timeout,
    healthyThresholdCount: s.healthyThresholdCount ?? 2,
    unhealthyThresholdCount: s.unhealthyThresholdCount ?? 2,
    matcher: grpc ? { grpcCode: codes } : { httpCode: codes },
  };
  const svcName = service.metadata?.name ?? '';
  const resourceId = RESOURCE_ID.targetGroup(
    req.ingressNamespace,
    req.ingressName,
    svcName,
    req.portAsWritten,
  );
  const targets =
    targetType === 'instance'
      ? instanceTargets(index, port)
      : [
          ...index.ipTargets(
            {
              namespace: service.metadata?.namespace ?? 'default',
              service: svcName,
              portName: svcPort.name ?? '',
              family: ipAddressType === 'ipv6' ? 'IPv6' : 'IPv4',
            },
            () => ipTargets(index, service, svcPort, ipAddressType === 'ipv6' ? 'IPv6' : 'IPv4'),
          ),
        ];
  return {
    ok: true,
    targetGroup: {
      resourceId,
      name: targetGroupName({
        cluster: req.cluster,
        stackId: req.stackId,
        ingressNamespace: req.ingressNamespace,
        ingressName: req.ingressName,
        serviceNamespace: service.metadata?.namespace ?? 'default',
        serviceName: svcName,
        // Manifests (CLI, local mode) carry no UID; the Service's identity stands in so names stay unique.
        serviceUid: service.metadata?.uid || `${service.metadata?.namespace ?? 'default'}/${svcName}`,
        portAsWritten: req.portAsWritten,
        targetPort: port,
        targetType,
        protocol,
        protocolVersion,
      }),
      targetType,
      protocol,
      protocolVersion,
      port,
      ipAddressType,
      healthCheck,
      attributes: s.targetGroupAttributes ?? {},
      tags: resourceTags(req.cluster, req.stackId, resourceId, s.tags),
      targets,
    },
  };
}

type Layer = 'ingress' | 'service' | 'default';
const DEFAULT_INTERVAL = 15;
const DEFAULT_TIMEOUT = 5;

/**
 * The timeout must stay below the interval once the layers are merged. The mistake belongs to whoever
 * set the timeout (or the interval, when the timeout is the default); when one object set both values
 * its own annotations were already denied by the parser, so it is not reported a second time here. The
 * text names where the other value came from and never the target group, so the same mistake reached
 * through several target groups stays one problem.
 */
function checkHealthcheckTiming(
  ingress: BackendSettings,
  service: BackendSettings,
  svcRef: string,
): { on: 'ingress' | 'service'; problem: FieldProblem } | undefined {
  const layer = (k: 'healthcheckIntervalSeconds' | 'healthcheckTimeoutSeconds'): Layer =>
    service[k] !== undefined ? 'service' : ingress[k] !== undefined ? 'ingress' : 'default';
  const intervalFrom = layer('healthcheckIntervalSeconds');
  const timeoutFrom = layer('healthcheckTimeoutSeconds');
  const interval =
    service.healthcheckIntervalSeconds ?? ingress.healthcheckIntervalSeconds ?? DEFAULT_INTERVAL;
  const timeout = service.healthcheckTimeoutSeconds ?? ingress.healthcheckTimeoutSeconds ?? DEFAULT_TIMEOUT;
  if (timeout < interval || intervalFrom === timeoutFrom) return undefined;
  const source = (l: Layer) =>
    l === 'default' ? 'the default' : l === 'service' ? `set on Service ${svcRef}` : 'set on the Ingress';
  if (timeoutFrom === 'default') {
    return {
      on: intervalFrom as 'ingress' | 'service',
      problem: {
        field: key('healthcheck-interval-seconds'),
        value: String(interval),
        expected: `more than healthcheck-timeout-seconds (${timeout}, ${source(timeoutFrom)})`,
      },
    };
  }
  return {
    on: timeoutFrom,
    problem: {
      field: key('healthcheck-timeout-seconds'),
      value: String(timeout),
      expected: `less than healthcheck-interval-seconds (${interval}, ${source(intervalFrom)})`,
    },
  };
}

function resolveHealthcheckPort(
  hc: 'traffic-port' | number | string,
  svc: V1Service,
  targetType: 'instance' | 'ip',
): { ok: true; port: 'traffic-port' | number } | { ok: false; expected: string } {
  if (hc === 'traffic-port' || typeof hc === 'number') return { ok: true, port: hc };
  const named = svc.spec?.ports?.find((p) => p.name === hc);
  const svcRef = `${svc.metadata?.namespace ?? 'default'}/${svc.metadata?.name ?? ''}`;
  if (!named) return { ok: false, expected: `traffic-port, a number, or a port name of ${svcRef}` };
  if (targetType === 'instance') {
    return named.nodePort
      ? { ok: true, port: named.nodePort }
      : { ok: false, expected: `a port of ${svcRef} with a nodePort` };
  }
  const tp = named.targetPort ?? named.port;
  if (typeof tp === 'number') return { ok: true, port: tp };
  return /^\d+$/.test(tp)
    ? { ok: true, port: Number(tp) }
    : { ok: false, expected: `a numeric port: the targetPort of ${svcRef} port ${hc} is the name "${tp}"` };
}

function instanceTargets(index: ClusterIndex, nodePort: number): Target[] {
  return index.instanceTargets().map((id) => ({ id, port: nodePort }));
}

/** Endpoints of the target group's own address family: an ipv6 target group takes IPv6 slices only. */
function ipTargets(
  index: ClusterIndex,
  svc: V1Service,
  svcPort: V1ServicePort,
  family: 'IPv4' | 'IPv6',
): Target[] {
  const wantName = svcPort.name ?? '';
  const seen = new Set<string>();
  const out: Target[] = [];
  const namespace = svc.metadata?.namespace ?? 'default';
  for (const slice of index.endpointSlices(namespace, svc.metadata?.name ?? '')) {
    if (slice.addressType !== family) continue;
    const port = slice.ports?.find((p) => (p.name ?? '') === wantName)?.port;
    if (port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      // Ready endpoints, and not-ready ones whose pod waits only for its target-health readiness gate.
      if (!endpointIsTarget(ep, namespace, (ns, name) => index.pod(ns, name))) continue;
      for (const address of ep.addresses ?? []) {
        const k = `${address}:${port}`;
        if (seen.has(k)) continue;
        seen.add(k);
        out.push({ id: address, port });
      }
    }
  }
  return out.sort((a, b) => (a.id === b.id ? a.port - b.port : a.id < b.id ? -1 : 1));
}
