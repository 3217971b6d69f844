/**
 * An Ingress whose own `load-balancer-attributes` turn on `deletion_protection.enabled` cannot leave
 * the cluster while the protection stands: the LBC refuses to build the group (so the finalizer stays
 * and nothing in AWS is touched) and says so, and Albatross does the same rather than failing late on
 * AWS's OperationNotPermitted.
 */
import type { V1Ingress } from '@kubernetes/client-node';
import { ANNOTATION_PREFIX } from '../annotations/types';
import { parseMap } from '../annotations/values';
import { nameOf, namespaceOf } from '../groups';
import type { Problem } from '../problems';

const FIELD = `${ANNOTATION_PREFIX}load-balancer-attributes`;
const KEY = 'deletion_protection.enabled';

/** Go's strconv.ParseBool, which the LBC reads the attribute with. */
function goBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/**
 * Why `ingress` may not be deleted yet, or undefined when it may. `stackId` names the load balancer in
 * the message. Only the Ingress's own annotation counts, as in the LBC.
 */
export function deletionProtectionProblem(ingress: V1Ingress, stackId: string): Problem | undefined {
  const raw = ingress.metadata?.annotations?.[FIELD];
  if (raw === undefined) return undefined;
  const attrs = parseMap(raw);
  if (!attrs.ok || !Object.hasOwn(attrs.value, KEY)) return undefined;
  const value = attrs.value[KEY] ?? '';
  const enabled = goBool(value);
  if (enabled === false) return undefined;
  const object = { kind: 'Ingress', namespace: namespaceOf(ingress), name: nameOf(ingress) } as const;
  return {
    object,
    field: FIELD,
    value: `${KEY}=${value}`,
    expected:
      enabled === undefined
        ? `${KEY}=true or false before the Ingress can be deleted (the load balancer of IngressGroup ${stackId} is kept meanwhile)`
        : `${KEY}=false first: deletion protection is enabled on the load balancer of IngressGroup ${stackId}, so the Ingress cannot be deleted`,
  };
}
