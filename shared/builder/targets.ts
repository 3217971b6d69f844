/**
 * What a target group's targets are (SPEC §4 "Targets"): the eligible nodes at the nodePort for
 * instance mode; for ip mode, the Service's endpoints of the target group's address family at the slice
 * port named like the Service port.
 */
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { Target } from '../model';
import { endpointIsTarget } from '../readiness-gates';
import type { ClusterIndex } from './cluster-index';

export function instanceTargets(index: ClusterIndex, nodePort: number): Target[] {
  return index.instanceTargets().map((id) => ({ id, port: nodePort }));
}

/** Computed once per Service port while its slices are unchanged, when the index remembers. */
export function ipTargets(
  index: ClusterIndex,
  svc: V1Service,
  svcPort: V1ServicePort,
  family: 'IPv4' | 'IPv6',
): Target[] {
  const namespace = svc.metadata?.namespace ?? 'default';
  const service = svc.metadata?.name ?? '';
  const portName = svcPort.name ?? '';
  return [
    ...index.ipTargets({ namespace, service, portName, family }, () =>
      endpointTargets(index, namespace, service, portName, family),
    ),
  ];
}

function endpointTargets(
  index: ClusterIndex,
  namespace: string,
  service: string,
  portName: string,
  family: 'IPv4' | 'IPv6',
): Target[] {
  const seen = new Set<string>();
  const out: Target[] = [];
  for (const slice of index.endpointSlices(namespace, service)) {
    // An ipv6 target group takes IPv6 addresses only, an ipv4 one IPv4 only.
    if (slice.addressType !== family) continue;
    const port = slice.ports?.find((p) => (p.name ?? '') === portName)?.port;
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
