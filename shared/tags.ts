/** Tracking tags (SPEC §5): how the reconciler finds, and proves it owns, what it manages. */
import type { Tags } from './model';

export const CLUSTER_TAG = 'elbv2.k8s.aws/cluster';
export const STACK_TAG = 'ingress.k8s.aws/stack';
export const RESOURCE_TAG = 'ingress.k8s.aws/resource';
export const DIGEST_TAG = 'albatross.dev/digest';
/** The LBC's key for cluster-wide resources (no stack): the backend security group carries `backend-sg`. */
export const LBC_RESOURCE_TAG = 'elbv2.k8s.aws/resource';
export const BACKEND_SG_RESOURCE = 'backend-sg';
/** EKS tags node and pod security groups with this key (value `owned` or `shared`). */
export const kubernetesClusterTag = (cluster: string): string => `kubernetes.io/cluster/${cluster}`;

export const RESOURCE_ID = {
  loadBalancer: 'LoadBalancer',
  securityGroup: 'ManagedLBSecurityGroup',
  listener: (port: number) => String(port),
  rule: (port: number, priority: number) => `${port}:${priority}`,
  targetGroup: (ingNs: string, ingName: string, svcName: string, portAsWritten: string) =>
    `${ingNs}/${ingName}-${svcName}:${portAsWritten}`,
} as const;

/** User tags under the tracking tags: tracking wins, and `aws:` keys are never emitted. */
export function resourceTags(cluster: string, stackId: string, resourceId: string, user: Tags = {}): Tags {
  const out: Tags = {};
  for (const [k, v] of Object.entries(user)) if (!k.toLowerCase().startsWith('aws:')) out[k] = v;
  out[CLUSTER_TAG] = cluster;
  out[STACK_TAG] = stackId;
  out[RESOURCE_TAG] = resourceId;
  return out;
}

/** True when both ownership tags name this cluster and stack. */
export function isOwnedBy(tags: Tags, cluster: string, stackId: string): boolean {
  return tags[CLUSTER_TAG] === cluster && tags[STACK_TAG] === stackId;
}
