/**
 * AdmissionReview (admission.k8s.io/v1) → verdict, pure: validation runs the model builder against the
 * in-memory cluster state only, so admission never waits on the network.
 */
import type { V1Ingress } from '@kubernetes/client-node';
import * as z from 'zod';
import { type BuildOptions, validateIngress } from '../shared/build';
import type { ClassObjects, ClusterObjects } from '../shared/cluster';
import type { ClusterView } from '../shared/cluster-view';
import { finalizerOf, groupOf, isDeleting } from '../shared/groups';
import { isManagedIngress } from '../shared/ingress-class';
import { ingressConfig } from '../shared/ingress-config';
import { formatProblem, formatWarning, type Problem } from '../shared/problems';

export const AdmissionReviewRequest = z.object({
  apiVersion: z.literal('admission.k8s.io/v1'),
  kind: z.literal('AdmissionReview'),
  request: z.object({
    uid: z.string().min(1),
    kind: z.object({ group: z.string(), version: z.string(), kind: z.string() }).optional(),
    operation: z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
    namespace: z.string().optional(),
    name: z.string().optional(),
    object: z.record(z.string(), z.unknown()).nullable().optional(),
    dryRun: z.boolean().optional(),
  }),
});
export type AdmissionReviewRequest = z.infer<typeof AdmissionReviewRequest>;

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason?: string; message: string };
  warnings?: string[];
  patchType?: 'JSONPatch';
  patch?: string;
}

export interface AdmissionReviewResponse {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

/** Low-cardinality label for the denial metric. */
export type DenialReason = 'annotation' | 'conflict' | 'limit' | 'path' | 'backend';

export interface Verdict {
  review: AdmissionReviewResponse;
  /** Set when denied. */
  denial?: DenialReason;
}

const wrap = (response: AdmissionResponse): AdmissionReviewResponse => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  response,
});

function ingressOf(req: AdmissionReviewRequest['request']): V1Ingress | undefined {
  const o = req.object;
  if (o?.kind !== 'Ingress') return undefined;
  return o as V1Ingress;
}

function denialReason(problems: Problem[]): DenialReason {
  const first = problems[0];
  if (!first) return 'annotation';
  if (first.related) return 'conflict';
  if (first.expected.includes('ALB limit')) return 'limit';
  if (first.field.startsWith('spec.rules')) return 'path';
  if (first.object.kind === 'Service') return 'backend';
  return 'annotation';
}

export function validate(
  review: AdmissionReviewRequest,
  objects: ClusterObjects | ClusterView,
  opts: BuildOptions,
): Verdict {
  const req = review.request;
  const ing = ingressOf(req);
  // Deletes, deleting objects and foreign Ingresses are always allowed, with no work.
  if (req.operation === 'DELETE' || !ing || isDeleting(ing))
    return { review: wrap({ uid: req.uid, allowed: true }) };
  const named: V1Ingress = {
    ...ing,
    metadata: { ...ing.metadata, namespace: ing.metadata?.namespace ?? req.namespace },
  };
  const verdict = validateIngress(named, objects, opts);
  const warnings = verdict.warnings.map(formatWarning);
  if (verdict.allowed) {
    return { review: wrap({ uid: req.uid, allowed: true, ...(warnings.length ? { warnings } : {}) }) };
  }
  return {
    review: wrap({
      uid: req.uid,
      allowed: false,
      status: { code: 400, reason: 'BadRequest', message: verdict.problems.map(formatProblem).join('\n') },
      ...(warnings.length ? { warnings } : {}),
    }),
    denial: denialReason(verdict.problems),
  };
}

/** Adds the group finalizer to a managed Ingress, nothing else; no patch when it is already there. */
export function mutate(review: AdmissionReviewRequest, objects: ClassObjects): Verdict {
  const req = review.request;
  const ing = ingressOf(req);
  if (
    req.operation === 'DELETE' ||
    !ing ||
    isDeleting(ing) ||
    !isManagedIngress(ing, objects.ingressClasses)
  ) {
    return { review: wrap({ uid: req.uid, allowed: true }) };
  }
  const named: V1Ingress = {
    ...ing,
    metadata: { ...ing.metadata, namespace: ing.metadata?.namespace ?? req.namespace },
  };
  // The group (so the finalizer) may come from the class's IngressClassParams.
  const finalizer = finalizerOf(groupOf(named, ingressConfig(named, objects).parsed.value));
  const current = ing.metadata?.finalizers;
  if (current?.includes(finalizer)) return { review: wrap({ uid: req.uid, allowed: true }) };
  const patch = current
    ? [{ op: 'add', path: '/metadata/finalizers/-', value: finalizer }]
    : [{ op: 'add', path: '/metadata/finalizers', value: [finalizer] }];
  return {
    review: wrap({
      uid: req.uid,
      allowed: true,
      patchType: 'JSONPatch',
      patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
    }),
  };
}
