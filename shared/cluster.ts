/** The Kubernetes objects the model reads. Types only: `shared/` never talks to the API server. */
import type {
  V1EndpointSlice,
  V1Ingress,
  V1IngressClass,
  V1Node,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';

export interface ClusterObjects {
  ingresses: V1Ingress[];
  ingressClasses: V1IngressClass[];
  services: V1Service[];
  nodes: V1Node[];
  endpointSlices: V1EndpointSlice[];
  /**
   * Pods that carry a target-health readiness gate (shared/readiness-gates.ts), trimmed; absent when the
   * source does not watch pods. Only they can make a not-ready endpoint a target.
   */
  pods?: V1Pod[];
}

export const emptyClusterObjects = (): ClusterObjects => ({
  ingresses: [],
  ingressClasses: [],
  services: [],
  nodes: [],
  endpointSlices: [],
  pods: [],
});
