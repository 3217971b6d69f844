/**
 * Certificate discovery as the AWS Load Balancer Controller does it: for each host of an HTTPS listener
 * that names no certificate, every issued ACM certificate whose domain or subject alternative names
 * match the host. Pure: the ACM reads live in `aws/certificates.ts`.
 *
 * LBC's rules, kept exactly: only ISSUED certificates (of any key type); a certificate with no names is
 * ignored; a name matches a host when equal, or when it is a wildcard `*.rest` and the host has the same
 * number of labels and the same labels after the first (one level: `*.example.com` matches
 * `www.example.com`, not `example.com` nor `a.b.example.com`); comparison is case-sensitive, as LBC's.
 * Every matching certificate of every host is attached (not one per host); the result is the set of
 * ARNs sorted ascending, so the first, the listener's default certificate, is the lowest ARN.
 */
import type { V1Ingress } from '@kubernetes/client-node';

/** What the matcher needs to know of one ACM certificate. */
export interface CertificateSummary {
  arn: string;
  /** The domain name and the subject alternative names (ACM lists the domain among the SANs too). */
  names: readonly string[];
  /** ACM `CertificateStatus`: `ISSUED`, `PENDING_VALIDATION`, `EXPIRED`, … */
  status: string;
  /** ACM `CertificateType`: `IMPORTED`, `AMAZON_ISSUED`, `PRIVATE`. */
  type?: string;
  /** The private CA that issued it (ACM `CertificateAuthorityArn`), when known. */
  certificateAuthorityArn?: string;
}

export interface CertificateMatchOptions {
  /**
   * LBC's `--allowed-certificate-authority-arns`: when non-empty, only certificates issued by one of
   * these CAs are considered.
   */
  allowedCertificateAuthorityArns?: readonly string[];
}

/** A host no certificate matches: LBC fails the build on it, and so does the reconciler. */
export interface UnmatchedHost {
  host: string;
  /** One line: the host, what was looked for. */
  message: string;
}

export type CertificateMatch =
  | { ok: true; certificateArns: string[] }
  | { ok: false; unmatched: UnmatchedHost[] };

export function nameMatchesHost(name: string, host: string): boolean {
  if (!name.startsWith('*.')) return name === host;
  const nameLabels = name.split('.');
  const hostLabels = host.split('.');
  if (nameLabels.length !== hostLabels.length) return false;
  return nameLabels.every((label, i) => i === 0 || label === hostLabels[i]);
}

function usable(c: CertificateSummary, o: CertificateMatchOptions): boolean {
  if (c.status !== 'ISSUED' || c.names.length === 0) return false;
  const allowed = o.allowedCertificateAuthorityArns ?? [];
  return allowed.length === 0 || allowed.includes(c.certificateAuthorityArn ?? '');
}

function wildcardOf(host: string): string | undefined {
  const dot = host.indexOf('.');
  return dot > 0 ? `*${host.slice(dot)}` : undefined;
}

/** The certificates LBC would attach for `hosts`, or every host that none matches. */
export function matchCertificates(
  hosts: readonly string[],
  certificates: readonly CertificateSummary[],
  o: CertificateMatchOptions = {},
): CertificateMatch {
  const candidates = certificates.filter((c) => usable(c, o));
  const arns = new Set<string>();
  const unmatched: UnmatchedHost[] = [];
  for (const host of [...new Set(hosts)].sort(byCodeUnit)) {
    const matching = candidates.filter((c) => c.names.some((n) => nameMatchesHost(n, host)));
    if (matching.length === 0) {
      const wildcard = wildcardOf(host);
      unmatched.push({
        host,
        message: `host ${host}: no issued ACM certificate whose domain or subject alternative names match it (expected ${host}${wildcard && wildcard !== host ? ` or ${wildcard}` : ''})`,
      });
      continue;
    }
    for (const c of matching) arns.add(c.arn);
  }
  if (unmatched.length > 0) return { ok: false, unmatched };
  return { ok: true, certificateArns: [...arns].sort(byCodeUnit) };
}

/**
 * The hosts LBC discovers certificates for on one Ingress: its rule hosts and its TLS hosts together
 * (not one instead of the other), without empties, deduplicated and sorted.
 */
export function certificateDiscoveryHosts(ing: V1Ingress): string[] {
  const hosts = new Set<string>();
  for (const r of ing.spec?.rules ?? []) if (r.host) hosts.add(r.host);
  for (const t of ing.spec?.tls ?? []) for (const h of t.hosts ?? []) if (h) hosts.add(h);
  return [...hosts].sort(byCodeUnit);
}

/** Byte order, as Go sorts strings (not `localeCompare`). */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
