/** Which Ingresses are ours (SPEC §1). */
import type { V1Ingress, V1IngressClass } from '@kubernetes/client-node';
import type { FieldProblem } from './problems';

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

/**
 * Why an Ingress's class cannot be told at all — its IngressClass is missing, or it has none and several
 * classes claim the default — as opposed to a class that is simply not ours. An Ingress still holding a
 * group's finalizer must not be taken as having left the group for that (the class may be recreated in
 * a moment: LBC issue 2731).
 */
export function unresolvedClassProblem(
  ing: V1Ingress,
  classes: readonly V1IngressClass[],
): FieldProblem | undefined {
  if (ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION] !== undefined) return undefined;
  const className = ing.spec?.ingressClassName;
  if (className) {
    return classes.some((c) => c.metadata?.name === className)
      ? undefined
      : {
          field: 'spec.ingressClassName',
          value: className,
          expected: `an existing IngressClass ${className}`,
        };
  }
  const defaults = classes.filter((c) => c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  return defaults.length > 1
    ? {
        field: 'spec.ingressClassName',
        value: '',
        expected: `a class name, or one default IngressClass (${defaults.length} are marked default)`,
      }
    : undefined;
}
