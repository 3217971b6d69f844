/**
 * ACM reads for certificate discovery: the account's issued certificates with every name they cover.
 * Matching is pure (`shared/certificate-match.ts`); this file only reads, paged, and caches per invocation.
 */
import {
  type ACMClient,
  type CertificateSummary as AcmCertificateSummary,
  DescribeCertificateCommand,
  KeyAlgorithm,
  ListCertificatesCommand,
} from '@aws-sdk/client-acm';
import {
  type CertificateMatch,
  type CertificateMatchOptions,
  type CertificateSummary,
  matchCertificates,
} from '../shared/certificate-match';
import type { DesiredListener } from '../shared/model';
import { awsErrorCode } from './errors';

const PAGE = 1000;
/** DescribeCertificate calls in flight at once (ACM allows 10 per second per account). */
const DESCRIBE_CONCURRENCY = 4;

export interface ListCertificatesOptions {
  /** Describe every certificate to learn its CA (needed to honour an allow-list of CAs). */
  withAuthority?: boolean;
}

/**
 * Every ISSUED certificate of the account, of any key type: ListCertificates returns only RSA_1024,
 * RSA_2048 and EC_prime256v1 keys unless asked, so all key algorithms are asked for, as LBC does.
 * Names come from the summary when it lists all of them, else from DescribeCertificate.
 */
export async function listIssuedCertificates(
  acm: ACMClient,
  o: ListCertificatesOptions = {},
): Promise<CertificateSummary[]> {
  const summaries: AcmCertificateSummary[] = [];
  let NextToken: string | undefined;
  do {
    const page = await acm.send(
      new ListCertificatesCommand({
        CertificateStatuses: ['ISSUED'],
        Includes: { keyTypes: Object.values(KeyAlgorithm) },
        MaxItems: PAGE,
        ...(NextToken ? { NextToken } : {}),
      }),
    );
    summaries.push(...(page.CertificateSummaryList ?? []));
    NextToken = page.NextToken;
  } while (NextToken);

  const out: (CertificateSummary | undefined)[] = new Array(summaries.length);
  let next = 0;
  const worker = async () => {
    while (next < summaries.length) {
      const i = next++;
      out[i] = await certificateOf(acm, summaries[i]!, o);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DESCRIBE_CONCURRENCY, summaries.length) }, worker));
  return out.filter((c): c is CertificateSummary => c !== undefined);
}

async function certificateOf(
  acm: ACMClient,
  s: AcmCertificateSummary,
  o: ListCertificatesOptions,
): Promise<CertificateSummary | undefined> {
  const arn = s.CertificateArn;
  if (!arn) return undefined;
  const fromSummary = s.SubjectAlternativeNameSummaries;
  if (fromSummary && s.HasAdditionalSubjectAlternativeNames === false && !o.withAuthority) {
    return {
      arn,
      names: namesOf(s.DomainName, fromSummary),
      status: s.Status ?? 'ISSUED',
      ...(s.Type ? { type: s.Type } : {}),
    };
  }
  try {
    const { Certificate: c } = await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
    if (!c) return undefined;
    return {
      arn,
      names: namesOf(c.DomainName, c.SubjectAlternativeNames ?? []),
      status: c.Status ?? s.Status ?? 'ISSUED',
      ...(c.Type ? { type: c.Type } : {}),
      ...(c.CertificateAuthorityArn ? { certificateAuthorityArn: c.CertificateAuthorityArn } : {}),
    };
  } catch (err) {
    // Deleted between the list and the describe: it cannot be attached anyway.
    if (awsErrorCode(err) === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

/** ACM lists the domain among the SANs; LBC matches against the SANs, so the domain is added once. */
function namesOf(domain: string | undefined, sans: readonly string[]): string[] {
  return [...new Set([...sans, ...(domain ? [domain] : [])])];
}

/**
 * Certificate discovery for one invocation: ACM is listed once, on first use, however many listeners
 * and stacks ask. Build one per invocation (certificates issued meanwhile are seen by the next one).
 */
export class CertificateDiscovery {
  private catalog?: Promise<CertificateSummary[]>;

  constructor(
    private readonly acm: ACMClient,
    private readonly o: CertificateMatchOptions = {},
  ) {}

  issued(): Promise<CertificateSummary[]> {
    if (!this.catalog) {
      const withAuthority = (this.o.allowedCertificateAuthorityArns?.length ?? 0) > 0;
      this.catalog = listIssuedCertificates(this.acm, { withAuthority });
      // A failed listing is not cached: the next stack of the invocation tries again.
      this.catalog.catch(() => {
        this.catalog = undefined;
      });
    }
    return this.catalog;
  }

  /** The certificates LBC would attach for `hosts` (sorted ARNs), or the hosts none matches. */
  async discover(hosts: readonly string[]): Promise<CertificateMatch> {
    if (hosts.length === 0) return { ok: true, certificateArns: [] };
    return matchCertificates(hosts, await this.issued(), this.o);
  }
}

export type ListenerCertificates =
  | { ok: true; certificateArns: string[] }
  /** One line naming the listener and every host without a certificate (a `FailedDeployModel`). */
  | { ok: false; message: string };

/**
 * The certificates an HTTPS listener gets: its explicit ARNs first (the first stays the default), then
 * the ones discovered for `discoverCertificatesFor`, deduplicated. Without explicit ARNs the lowest
 * discovered ARN is the default, as the LBC deploys it.
 */
export async function listenerCertificateArns(
  listener: Pick<DesiredListener, 'port' | 'certificateArns' | 'discoverCertificatesFor'>,
  discovery: CertificateDiscovery,
): Promise<ListenerCertificates> {
  const hosts = listener.discoverCertificatesFor ?? [];
  if (hosts.length === 0) return { ok: true, certificateArns: [...listener.certificateArns] };
  const found = await discovery.discover(hosts);
  if (!found.ok)
    return {
      ok: false,
      message: `HTTPS listener ${listener.port}: certificate discovery: ${found.unmatched.map((u) => u.message).join('; ')}`,
    };
  return { ok: true, certificateArns: [...new Set([...listener.certificateArns, ...found.certificateArns])] };
}
