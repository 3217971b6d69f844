/**
 * The certificate of the example manifests. They name a placeholder ARN (an emulator cannot import a
 * certificate under a chosen ARN); local mode imports a self-signed certificate for `shop.example.com`
 * into the emulator's ACM and the placeholder stands for it. Every command that builds stacks against an
 * emulator resolves it the same way — the reconciler in local mode, and `status`, `plan` and `reconcile`
 * with AWS_ENDPOINT_URL — so they all compare the same desired state and none reports it as drift.
 */
import { ACMClient, ListCertificatesCommand } from '@aws-sdk/client-acm';

export const EXAMPLE_CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/albatross-example';
export const EXAMPLE_CERTIFICATE_DOMAIN = 'shop.example.com';

/** `o` with the placeholder ARN replaced by `arn`. */
export function withImportedCertificate<T>(o: T, arn: string): T {
  if (arn === EXAMPLE_CERTIFICATE_ARN) return o;
  return JSON.parse(JSON.stringify(o).replaceAll(EXAMPLE_CERTIFICATE_ARN, arn));
}

/** The ARN of local mode's example certificate in the emulator at `endpoint`, if it has one. */
export async function exampleCertificateIn(endpoint: string, region: string): Promise<string | undefined> {
  try {
    const acm = new ACMClient({ endpoint, region, maxAttempts: 2 });
    const { CertificateSummaryList = [] } = await acm.send(new ListCertificatesCommand({}));
    return CertificateSummaryList.find((c) => c.DomainName === EXAMPLE_CERTIFICATE_DOMAIN)?.CertificateArn;
  } catch {
    return undefined;
  }
}

/**
 * Desired stacks (cli/stack-source.ts) as local mode reconciles them: against an emulator holding the
 * example certificate, the placeholder is that certificate. Unchanged for real AWS.
 */
export async function resolveExampleCertificate<S extends { snapshot?: object }>(
  stacks: S[],
  target: { endpoint?: string; region: string },
): Promise<S[]> {
  if (!target.endpoint || !JSON.stringify(stacks).includes(EXAMPLE_CERTIFICATE_ARN)) return stacks;
  const arn = await exampleCertificateIn(target.endpoint, target.region);
  if (!arn) return stacks;
  return stacks.map((s) => (s.snapshot ? { ...s, snapshot: withImportedCertificate(s.snapshot, arn) } : s));
}
