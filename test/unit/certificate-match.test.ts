/** Certificate discovery's matching: which issued ACM certificates LBC attaches for a listener's hosts. */
import type { V1Ingress } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  type CertificateSummary,
  certificateDiscoveryHosts,
  matchCertificates,
  nameMatchesHost,
} from '../../shared/certificate-match';

const arn = (id: string) => `arn:aws:acm:us-east-1:123456789012:certificate/${id}`;
const cert = (id: string, names: string[], more: Partial<CertificateSummary> = {}): CertificateSummary => ({
  arn: arn(id),
  names,
  status: 'ISSUED',
  type: 'IMPORTED',
  ...more,
});

describe('a certificate name against a host (LBC domainMatchesHost)', () => {
  it.each([
    ['example.com', 'example.com', true],
    ['example.com', 'www.example.com', false],
    ['*.example.com', 'www.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'www.app.example.com', false],
    ['*.example.com', '*.example.com', true],
    ['*.example.com', 'www.example.org', false],
    ['www.example.com', '*.example.com', false],
    ['Example.com', 'example.com', false],
  ])('%s vs %s → %s', (name, host, want) => {
    expect(nameMatchesHost(name, host)).toBe(want);
  });
});

describe('matchCertificates', () => {
  const catalog = [
    cert('c-wild', ['*.example.com']),
    cert('b-www', ['www.example.com', 'example.com']),
    cert('a-api', ['api.example.com']),
    cert('d-pending', ['www.example.com'], { status: 'PENDING_VALIDATION' }),
    cert('e-expired', ['www.example.com'], { status: 'EXPIRED' }),
    cert('f-nameless', []),
  ];

  it('attaches every issued certificate matching each host, sorted by ARN (the first is the default)', () => {
    expect(matchCertificates(['www.example.com'], catalog)).toEqual({
      ok: true,
      certificateArns: [arn('b-www'), arn('c-wild')],
    });
    expect(matchCertificates(['www.example.com', 'api.example.com', 'example.com'], catalog)).toEqual({
      ok: true,
      certificateArns: [arn('a-api'), arn('b-www'), arn('c-wild')],
    });
  });

  it('ignores certificates that are not issued', () => {
    const r = matchCertificates(['www.example.com'], catalog.slice(3));
    expect(r.ok).toBe(false);
  });

  it('names every host no certificate matches, one line each', () => {
    const r = matchCertificates(['shop.example.org', 'www.example.com', 'example.net'], catalog);
    expect(r).toEqual({
      ok: false,
      unmatched: [
        {
          host: 'example.net',
          message:
            'host example.net: no issued ACM certificate whose domain or subject alternative names match it (expected example.net or *.net)',
        },
        {
          host: 'shop.example.org',
          message:
            'host shop.example.org: no issued ACM certificate whose domain or subject alternative names match it (expected shop.example.org or *.example.org)',
        },
      ],
    });
  });

  it('a wildcard host is matched by the same wildcard certificate only', () => {
    expect(matchCertificates(['*.example.com'], catalog)).toEqual({
      ok: true,
      certificateArns: [arn('c-wild')],
    });
  });

  it('keeps only certificates of the allowed certificate authorities when a list is given', () => {
    const pca = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/ca-1';
    const certs = [
      cert('p', ['www.example.com'], { type: 'PRIVATE', certificateAuthorityArn: pca }),
      cert('q', ['www.example.com']),
    ];
    expect(matchCertificates(['www.example.com'], certs, { allowedCertificateAuthorityArns: [pca] })).toEqual(
      {
        ok: true,
        certificateArns: [arn('p')],
      },
    );
    expect(matchCertificates(['www.example.com'], certs)).toEqual({
      ok: true,
      certificateArns: [arn('p'), arn('q')],
    });
  });

  it('needs no certificate for no hosts', () => {
    expect(matchCertificates([], catalog)).toEqual({ ok: true, certificateArns: [] });
  });
});

describe('certificateDiscoveryHosts', () => {
  it('takes rule hosts and TLS hosts together, deduplicated and sorted', () => {
    const ing: V1Ingress = {
      spec: {
        tls: [{ hosts: ['www.example.com', 'b.example.com'] }, { secretName: 'x' }],
        rules: [{ host: 'www.example.com' }, { host: 'a.example.com' }, {}],
      },
    };
    expect(certificateDiscoveryHosts(ing)).toEqual(['a.example.com', 'b.example.com', 'www.example.com']);
    expect(certificateDiscoveryHosts({ spec: { rules: [{}] } })).toEqual([]);
  });
});
