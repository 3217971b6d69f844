/** Which Ingresses are ours (SPEC §1). */
import type { V1Ingress, V1IngressClass } from '@kubernetes/client-node';

/** The AWS Load Balancer Controller's controller name, so manifests migrate unchanged. */
export const ALB_CONTROLLER = 'ingress.k8s.aws/alb';
export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
export const LEGACY_CLASS_VALUE = 'alb';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

export function isManagedIngress(ing: V1Ingress, classes: readonly V1IngressClass[]): boolean {
  // The legacy annotation wins over the field, in both directions.
  const legacy = ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION];
  if (legacy !== undefined) return legacy === LEGACY_CLASS_VALUE;
  const className = ing.spec?.ingressClassName;
  if (className) {
    return classes.some((c) => c.metadata?.name === className && c.spec?.controller === ALB_CONTROLLER);
  }
  const defaults = classes.filter((c) => c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  // Several defaults is a cluster misconfiguration the API server itself refuses to resolve; so do we.
  return defaults.length === 1 && defaults[0]?.spec?.controller === ALB_CONTROLLER;
}
