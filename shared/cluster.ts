/** The Kubernetes objects the model reads. Types only: `shared/` never talks to the API server. */
import type { V1EndpointSlice, V1Ingress, V1IngressClass, V1Node, V1Service } from '@kubernetes/client-node';

export interface ClusterObjects {
  ingresses: V1Ingress[];
  ingressClasses: V1IngressClass[];
  services: V1Service[];
  nodes: V1Node[];
  endpointSlices: V1EndpointSlice[];
}

export const emptyClusterObjects = (): ClusterObjects => ({
  ingresses: [],
  ingressClasses: [],
  services: [],
  nodes: [],
  endpointSlices: [],
});
