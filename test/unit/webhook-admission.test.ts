/** Admission verdicts (SPEC §7), pure: no server, no network. */
import type { V1Ingress } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { type AdmissionReviewRequest, mutate, validate } from '../../webhook/admission';
import { CLUSTER, threeMemberGroup } from '../support/group-fixture';

const P = 'alb.ingress.kubernetes.io/';
const objects = threeMemberGroup();
const opts = { clusterName: CLUSTER };

function review(
  object: V1Ingress | null,
  operation: 'CREATE' | 'UPDATE' | 'DELETE' = 'CREATE',
): AdmissionReviewRequest {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'uid-1',
      operation,
      namespace: 'alpha',
      object: object as Record<string, unknown> | null,
    },
  };
}

const member = (annotations: Record<string, string> = {}, finalizers?: string[]): V1Ingress => {
  const base = structuredClone(objects.ingresses[0]!);
  base.metadata!.annotations = { ...base.metadata!.annotations, ...annotations };
  if (finalizers) base.metadata!.finalizers = finalizers;
  return base;
};

describe('/validate', () => {
  it('allows a valid member of the group', () => {
    const v = validate(review(member()), objects, opts);
    expect(v.review.response).toEqual({ uid: 'uid-1', allowed: true });
  });

  it('denies with every problem listed, one per line, naming field, value and expectation', () => {
    const v = validate(
      review(member({ [`${P}scheme`]: 'public', [`${P}healthcheck-interval-seconds`]: '1' })),
      objects,
      opts,
    );
    expect(v.review.response.allowed).toBe(false);
    expect(v.review.response.status?.message.split('\n')).toEqual([
      'alpha/web-alpha: alb.ingress.kubernetes.io/scheme: public: expected one of internal, internet-facing',
      'alpha/web-alpha: alb.ingress.kubernetes.io/healthcheck-interval-seconds: 1: expected an integer from 5 to 300',
    ]);
    expect(v.denial).toBe('annotation');
  });

  it('denies a conflict with another member, naming both Ingresses and both values', () => {
    const v = validate(
      review(member({ [`${P}scheme`]: 'internet-facing' })),
      {
        ...objects,
        ingresses: [
          ...objects.ingresses.slice(1).map((i) => {
            const c = structuredClone(i);
            c.metadata!.annotations![`${P}scheme`] = 'internal';
            return c;
          }),
        ],
      },
      opts,
    );
    expect(v.review.response.allowed).toBe(false);
    expect(v.review.response.status?.message).toContain(
      'alpha/web-alpha: alb.ingress.kubernetes.io/scheme: internet-facing: expected internal to match beta/web-beta',
    );
    expect(v.denial).toBe('conflict');
  });

  it('warns about unknown and unsupported annotations but allows', () => {
    const v = validate(
      review(member({ [`${P}shceme`]: 'internal', [`${P}auth-type`]: 'cognito' })),
      objects,
      opts,
    );
    expect(v.review.response.allowed).toBe(true);
    expect(v.review.response.warnings).toEqual([
      `alpha/web-alpha: unknown annotation ${P}shceme; did you mean ${P}scheme?`,
      `alpha/web-alpha: ${P}auth-type is not supported by Albatross yet; it is ignored`,
    ]);
  });

  it('always allows foreign classes, deleting objects and DELETE operations', () => {
    const foreign = member({ [`${P}scheme`]: 'public' });
    foreign.spec!.ingressClassName = 'nginx';
    expect(validate(review(foreign), objects, opts).review.response.allowed).toBe(true);
    const deleting = member({ [`${P}scheme`]: 'public' });
    deleting.metadata!.deletionTimestamp = new Date();
    expect(validate(review(deleting), objects, opts).review.response.allowed).toBe(true);
    expect(validate(review(null, 'DELETE'), objects, opts).review.response.allowed).toBe(true);
  });
});

describe('/mutate', () => {
  const patchOf = (r: ReturnType<typeof mutate>) =>
    JSON.parse(Buffer.from(r.review.response.patch ?? '', 'base64').toString());

  it('adds the group finalizer when there are no finalizers', () => {
    const r = mutate(review(member()), objects);
    expect(r.review.response.patchType).toBe('JSONPatch');
    expect(patchOf(r)).toEqual([
      { op: 'add', path: '/metadata/finalizers', value: ['group.ingress.k8s.aws/shop'] },
    ]);
  });

  it('appends to an existing list, and is a no-op when already present', () => {
    expect(patchOf(mutate(review(member({}, ['other/x'])), objects))).toEqual([
      { op: 'add', path: '/metadata/finalizers/-', value: 'group.ingress.k8s.aws/shop' },
    ]);
    const r = mutate(review(member({}, ['group.ingress.k8s.aws/shop'])), objects);
    expect(r.review.response).toEqual({ uid: 'uid-1', allowed: true });
  });

  it('uses the implicit finalizer without a group, and leaves foreign Ingresses alone', () => {
    const implicit = member();
    delete implicit.metadata!.annotations![`${P}group.name`];
    expect(patchOf(mutate(review(implicit), objects))).toEqual([
      { op: 'add', path: '/metadata/finalizers', value: ['ingress.k8s.aws/resources'] },
    ]);
    const foreign = member();
    foreign.spec!.ingressClassName = 'nginx';
    expect(mutate(review(foreign), objects).review.response.patch).toBeUndefined();
  });
});
