/** A listener's settings and SNI certificates: desired against observed, as plain data. */
import type { Listener, Action as SdkAction } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { DesiredListener } from '../../../../shared/model';
import { ruleKey } from '../../shapes';

export function listenerDiffers(
  current: Listener,
  d: DesiredListener,
  defaultActions: readonly SdkAction[],
  defaultCertificate: string | undefined,
): boolean {
  return !(
    current.Protocol === d.protocol &&
    ruleKey([], current.DefaultActions ?? []) === ruleKey([], defaultActions) &&
    (d.protocol !== 'HTTPS' ||
      (current.SslPolicy === d.sslPolicy && current.Certificates?.[0]?.CertificateArn === defaultCertificate))
  );
}

/**
 * The SNI list: every certificate goes there, the default included when it is listed (as the LBC does),
 * and nothing else stays.
 */
export function diffCertificates(
  have: readonly string[],
  want: readonly string[],
  defaultCertificate: string | undefined,
) {
  const wantSni = new Set(want.slice(1));
  return {
    add: [...wantSni].filter((c) => !have.includes(c)),
    remove: have.filter((c) => !wantSni.has(c) && c !== defaultCertificate),
  };
}

/** Listeners that share a port: only an emulator or two writers at once make them. */
export function duplicatePorts(listeners: readonly Listener[]): Set<number> {
  const seen = new Set<number>();
  const dup = new Set<number>();
  for (const l of listeners) {
    if (l.Port === undefined) continue;
    if (seen.has(l.Port)) dup.add(l.Port);
    seen.add(l.Port);
  }
  return dup;
}
