/**
 * Pod admission (CREATE, labelled namespaces only — the API server's namespaceSelector filters): adds one
 * target-health readiness gate per ip-mode target group whose Service selects the pod. It never denies:
 * a pod without a gate only loses zero-downtime rollouts, a denied pod is an outage, so any error allows
 * the pod untouched with a warning.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { gatesFor, readinessGatePatch } from '../../shared/readiness-gates';
import type { AdmissionReviewRequest, Verdict } from '../admission';
import type { GateIndex } from './gate-index';

export interface PodAdmissionContext {
  gates: GateIndex;
  /** Namespaces known to carry the inject label; undefined when this source does not watch namespaces. */
  labelledNamespaces?: () => ReadonlySet<string>;
}

const allow = (uid: string, warnings?: string[]): Verdict => ({
  review: {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid, allowed: true, ...(warnings?.length ? { warnings } : {}) },
  },
});

export function mutatePod(review: AdmissionReviewRequest, ctx: PodAdmissionContext): Verdict {
  const req = review.request;
  try {
    const pod = req.object as V1Pod | null | undefined;
    if (req.operation !== 'CREATE' || pod?.kind !== 'Pod') return allow(req.uid);
    // Pods made by controllers have no namespace in the object: the request carries it.
    const namespace = req.namespace || pod.metadata?.namespace || 'default';
    // Belt and braces behind the namespaceSelector: a mis-scoped configuration still injects nothing elsewhere.
    if (ctx.labelledNamespaces && !ctx.labelledNamespaces().has(namespace)) return allow(req.uid);
    const types = gatesFor(namespace, pod.metadata?.labels ?? {}, ctx.gates.in(namespace).targetGroups);
    const patch = readinessGatePatch(pod, types);
    if (patch.length === 0) return allow(req.uid);
    return {
      review: {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: {
          uid: req.uid,
          allowed: true,
          patchType: 'JSONPatch',
          patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
        },
      },
    };
  } catch (err) {
    return allow(req.uid, [
      `albatross: pod readiness gates not injected (${(err as Error).message}); this pod will not wait for ALB target health`,
    ]);
  }
}
