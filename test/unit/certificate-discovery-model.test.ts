/** The model's side of certificate discovery: which HTTPS listeners ask for it, and for which hosts. */
import type { V1Ingress } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { buildStack, validateIngress } from '../../shared/build';
import type { ClusterObjects } from '../../shared/cluster';
import { formatProblem } from '../../shared/problems';
import { CLUSTER, threeMemberGroup } from '../support/group-fixture';

const P = 'alb.ingress.kubernetes.io/';
const opts = { clusterName: CLUSTER };
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/explicit';
const HTTPS = { [`${P}listen-ports`]: '[{"HTTPS":443}]' };

function listeners(objects: ClusterObjects) {
  const b = buildStack('shop', objects, opts);
  if (!b?.result.ok || !b.result.stack) throw new Error(`model failed: ${JSON.stringify(b?.result)}`);
  return b.result.stack.listeners;
}

describe('certificate discovery in the model', () => {
  it('an HTTPS listener without certificate-arn discovers certificates for the rule hosts', () => {
    const [l] = listeners(threeMemberGroup({ shared: HTTPS }));
    expect(l).toMatchObject({ port: 443, protocol: 'HTTPS', certificateArns: [] });
    expect(l?.discoverCertificatesFor).toEqual([
      'alpha.example.com',
      'beta.example.com',
      'gamma.example.com',
    ]);
  });

  it('takes TLS hosts together with rule hosts, deduplicated and sorted', () => {
    const objects = threeMemberGroup({ shared: HTTPS });
    const first = objects.ingresses[0]!;
    objects.ingresses[0] = {
      ...first,
      spec: {
        ...first.spec,
        tls: [{ hosts: ['www.example.org', 'alpha.example.com'], secretName: 'unused' }],
      },
    };
    expect(listeners(objects)[0]?.discoverCertificatesFor).toEqual([
      'alpha.example.com',
      'beta.example.com',
      'gamma.example.com',
      'www.example.org',
    ]);
  });

  it('explicit certificates need no discovery; members without them still discover theirs', () => {
    const all = listeners(threeMemberGroup({ shared: { ...HTTPS, [`${P}certificate-arn`]: CERT } }))[0]!;
    // Three members list the same certificate: as in the LBC, the default listed again is in SNI too.
    expect(all.certificateArns).toEqual([CERT, CERT]);
    expect(all.discoverCertificatesFor).toBeUndefined();

    const mixed = threeMemberGroup({ shared: HTTPS });
    mixed.ingresses[1]!.metadata!.annotations![`${P}certificate-arn`] = CERT;
    const l = listeners(mixed)[0]!;
    expect(l.certificateArns).toEqual([CERT]);
    expect(l.discoverCertificatesFor).toEqual(['alpha.example.com', 'gamma.example.com']);
  });

  it('the default listen port stays HTTP:80 without certificate-arn, TLS section or not (as the LBC)', () => {
    const objects = threeMemberGroup();
    for (const ing of objects.ingresses) ing.spec!.tls = [{ hosts: ['alpha.example.com'] }];
    const ls = listeners(objects);
    expect(ls.map((l) => `${l.protocol}:${l.port}`)).toEqual(['HTTP:80']);
    expect(ls[0]?.discoverCertificatesFor).toBeUndefined();
  });

  it('HTTP listeners never discover', () => {
    const ls = listeners(
      threeMemberGroup({ shared: { [`${P}listen-ports`]: '[{"HTTP":80},{"HTTPS":443}]' } }),
    );
    expect(ls.find((l) => l.port === 80)?.discoverCertificatesFor).toBeUndefined();
    expect(ls.find((l) => l.port === 443)?.discoverCertificatesFor).toHaveLength(3);
  });

  it('an HTTPS Ingress with no certificate and no host is denied in one line naming both ways out', () => {
    const objects = threeMemberGroup({ shared: HTTPS, members: [{ ns: 'alpha', host: '' }] });
    const ing = objects.ingresses[0] as V1Ingress;
    const v = validateIngress(ing, objects, opts);
    expect(v.allowed).toBe(false);
    expect(v.problems.map(formatProblem)).toEqual([
      'alpha/web-alpha: alb.ingress.kubernetes.io/certificate-arn: : expected a certificate ARN for HTTPS listener 443, or hosts (spec.tls[].hosts, spec.rules[].host) to discover its ACM certificates for',
    ]);
  });

  it('admission allows an HTTPS Ingress that relies on discovery', () => {
    const objects = threeMemberGroup({ shared: HTTPS });
    expect(validateIngress(objects.ingresses[0]!, objects, opts)).toMatchObject({
      allowed: true,
      problems: [],
    });
  });
});
