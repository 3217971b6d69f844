/**
 * Target groups: one per (member Ingress, Service, port as written), with health checks from the layered
 * annotations (Ingress under Service) and the targets the snapshot carries (SPEC §4).
 */
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import { ANNOTATION_PREFIX, type BackendSettings } from '../annotations/types';
import type { DesiredTargetGroup, IpAddressType } from '../model';
import { targetGroupName } from '../names';
import type { FieldProblem } from '../problems';
import { RESOURCE_ID, resourceTags } from '../tags';
import type { ClusterIndex } from './cluster-index';
import { buildHealthCheck } from './health-check';
import { instanceTargets, ipTargets } from './targets';

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

  const hc = buildHealthCheck({
    ingress: req.ingressSettings,
    service: svcSettings.value,
    merged: s,
    svc: service,
    targetType,
    protocol,
    protocolVersion,
  });
  if (!hc.ok && hc.serviceProblems.length > 0)
    return { ok: false, problems: [], serviceProblems: hc.serviceProblems };
  if (!hc.ok) problems.push(...hc.problems);
  // As the LBC: a Service with an IPv6 family gets an ipv6 target group, which only a dualstack load
  // balancer can reach.
  const ipAddressType = service.spec?.ipFamilies?.includes('IPv6') ? 'ipv6' : 'ipv4';
  if (ipAddressType === 'ipv6' && req.loadBalancerIpAddressType !== 'dualstack')
    problems.push({
      field: key('ip-address-type'),
      value: req.loadBalancerIpAddressType,
      expected: `dualstack, because Service ${svcRef} has the IPv6 family (spec.ipFamilies) and its target group is ipv6`,
    });
  if (problems.length > 0 || !hc.ok) return { ok: false, problems, serviceProblems: [] };

  const svcName = service.metadata?.name ?? '';
  const resourceId = RESOURCE_ID.targetGroup(
    req.ingressNamespace,
    req.ingressName,
    svcName,
    req.portAsWritten,
  );
  const family = ipAddressType === 'ipv6' ? 'IPv6' : 'IPv4';
  const targets =
    targetType === 'instance' ? instanceTargets(index, port) : ipTargets(index, service, svcPort, family);
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
      healthCheck: hc.healthCheck,
      attributes: s.targetGroupAttributes ?? {},
      tags: resourceTags(req.cluster, req.stackId, resourceId, s.tags),
      targets,
    },
  };
}
