/** The Kubernetes objects the model reads. Types only: `shared/` never talks to the API server. */
import type {
  V1EndpointSlice,
  V1Ingress,
  V1IngressClass,
  V1Namespace,
  V1Node,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import type { IngressClassParamsObject } from './ingress-class-params';

export interface ClusterObjects {
  ingresses: V1Ingress[];
  ingressClasses: V1IngressClass[];
  /** `elbv2.k8s.aws/v1beta1` IngressClassParams (cluster-scoped), referenced by IngressClasses. */
  ingressClassParams: IngressClassParamsObject[];
  /** Read for their labels only: an IngressClassParams' namespaceSelector matches them. */
  namespaces: V1Namespace[];
  services: V1Service[];
  nodes: V1Node[];
  endpointSlices: V1EndpointSlice[];
  /**
   * Pods that carry a target-health readiness gate (shared/readiness-gates.ts), trimmed; absent when the
   * source does not watch pods. Only they can make a not-ready endpoint a target.
   */
  pods?: V1Pod[];
}

/** The few small kinds that decide which Ingresses are ours and their class settings. */
export type ClassObjects = Pick<ClusterObjects, 'ingressClasses' | 'ingressClassParams' | 'namespaces'>;

export const emptyClusterObjects = (): ClusterObjects => ({
  ingresses: [],
  ingressClasses: [],
  ingressClassParams: [],
  namespaces: [],
  services: [],
  nodes: [],
  endpointSlices: [],
  pods: [],
});
