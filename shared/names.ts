/**
 * AWS resource names, compatible with the AWS Load Balancer Controller (SPEC §5) so that an ALB it made
 * is found and adopted in place. Every name is ≤ 32 characters.
 */
import { createHash } from 'node:crypto';
import type { GroupId } from './groups';
import type { Protocol, ProtocolVersion, Scheme, TargetType } from './model';

const sanitize = (s: string): string => s.replace(/[^A-Za-z0-9]/g, '');

/** First 10 hex characters of SHA-256 over the inputs concatenated with no separator. */
export function shortHash(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 10);
}

export function loadBalancerName(cluster: string, group: GroupId, scheme: Scheme): string {
  if (group.kind === 'explicit') {
    return `k8s-${sanitize(group.name).slice(0, 17)}-${shortHash(cluster, group.name, scheme)}`;
  }
  const id = `${group.namespace}/${group.name}`;
  return `k8s-${sanitize(group.namespace).slice(0, 8)}-${sanitize(group.name).slice(0, 8)}-${shortHash(cluster, id, scheme)}`;
}

export function securityGroupName(cluster: string, group: GroupId, stackId: string): string {
  if (group.kind === 'explicit') {
    return `k8s-${sanitize(group.name).slice(0, 17)}-${shortHash(cluster, stackId)}`;
  }
  return `k8s-${sanitize(group.namespace).slice(0, 8)}-${sanitize(group.name).slice(0, 8)}-${shortHash(cluster, stackId)}`;
}

/**
 * The cluster's shared backend security group, named as the LBC names it (`k8s-traffic-<cluster>-<hash>`,
 * hash over the cluster name alone) so that either controller finds the one the other made.
 */
export function backendSecurityGroupName(cluster: string): string {
  return `k8s-traffic-${sanitize(cluster).slice(0, 232)}-${shortHash(cluster)}`;
}

export interface TargetGroupNameInput {
  cluster: string;
  stackId: string;
  ingressNamespace: string;
  ingressName: string;
  serviceNamespace: string;
  serviceName: string;
  serviceUid: string;
  portAsWritten: string;
  targetPort: number;
  targetType: TargetType;
  protocol: Protocol;
  protocolVersion: ProtocolVersion;
}

export function targetGroupName(i: TargetGroupNameInput): string {
  const hash = shortHash(
    i.cluster,
    i.stackId,
    i.ingressNamespace,
    i.ingressName,
    i.serviceUid,
    i.portAsWritten,
    String(i.targetPort),
    i.targetType,
    i.protocol,
    i.protocolVersion,
  );
  return `k8s-${sanitize(i.serviceNamespace).slice(0, 8)}-${sanitize(i.serviceName).slice(0, 8)}-${hash}`;
}
