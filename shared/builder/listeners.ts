/**
 * Listen ports merged across the group (SPEC §4): one plan per port with its protocol, certificates,
 * SSL policy and inbound CIDRs, and the members on it; then each port's default action.
 */
import type { IngressSettings, ListenPort } from '../annotations/types';
import { certificateDiscoveryHosts } from '../certificate-match';
import type { Action, Protocol } from '../model';
import { backendAction, NOT_FOUND } from './actions';
import type { BuildContext, Member } from './context';
import { annotationKey, type GroupSettings, sortedSet, sourceNote } from './members';

export const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-2016-08';

export interface PortPlan {
  port: number;
  protocol: Protocol;
  /** The member that first listed the port: owns its protocol. */
  owner: Member;
  certificates: string[];
  /**
   * Hosts of the members on this HTTPS port that name no certificate: the reconciler discovers their
   * ACM certificates, as the LBC does. Sorted, deduplicated.
   */
  discoverFor: string[];
  sslPolicy?: { m: Member; v: string };
  cidrs?: { m: Member; v: string[] };
  /** In member order. */
  members: Member[];
}

export function effectiveListenPorts(s: IngressSettings): ListenPort[] {
  if (s.listenPorts) return s.listenPorts;
  return s.certificateArns?.length ? [{ protocol: 'HTTPS', port: 443 }] : [{ protocol: 'HTTP', port: 80 }];
}

/** Sorted by port. A port listed with two protocols, SSL policies or CIDR sets is a conflict. */
export function planPorts(ctx: BuildContext): PortPlan[] {
  const ports = new Map<number, PortPlan>();
  const conflict = (field: string, a: Member, av: string, b: Member, bv: string) =>
    ctx.findings.conflict({
      field: annotationKey(field),
      group: ctx.stackId,
      a: { ref: a.ref, value: av },
      b: { ref: b.ref, value: bv },
    });
  for (const m of ctx.members) {
    for (const lp of effectiveListenPorts(m.settings)) {
      let plan = ports.get(lp.port);
      if (!plan) {
        plan = {
          port: lp.port,
          protocol: lp.protocol,
          owner: m,
          certificates: [],
          discoverFor: [],
          members: [],
        };
        ports.set(lp.port, plan);
      } else if (plan.protocol !== lp.protocol) {
        conflict('listen-ports', plan.owner, `${plan.protocol}:${lp.port}`, m, `${lp.protocol}:${lp.port}`);
        continue;
      }
      plan.members.push(m);
      if (lp.protocol === 'HTTPS') {
        const certs = m.settings.certificateArns ?? [];
        const listed = m.settings.defaultCertificateInSni && certs[0] ? [...certs, certs[0]] : certs;
        if (listed.length > 0) plan.certificates = mergeCertificates(plan.certificates, listed);
        if (!m.settings.certificateArns?.length) {
          const hosts = new Set([...plan.discoverFor, ...certificateDiscoveryHosts(m.ingress)]);
          plan.discoverFor = [...hosts].sort();
        }
        const pol = m.settings.sslPolicy;
        if (pol !== undefined) {
          if (!plan.sslPolicy) plan.sslPolicy = { m, v: pol };
          else if (plan.sslPolicy.v !== pol)
            conflict(
              'ssl-policy',
              plan.sslPolicy.m,
              `${plan.sslPolicy.v} on port ${lp.port}${sourceNote(plan.sslPolicy.m, 'sslPolicy')}`,
              m,
              `${pol} on port ${lp.port}${sourceNote(m, 'sslPolicy')}`,
            );
        }
      }
      const cidrs = m.settings.inboundCidrs;
      if (cidrs !== undefined) {
        if (!plan.cidrs) plan.cidrs = { m, v: cidrs };
        else if (sortedSet(plan.cidrs.v) !== sortedSet(cidrs))
          conflict(
            'inbound-cidrs',
            plan.cidrs.m,
            `${plan.cidrs.v.join(',')} on port ${lp.port}${sourceNote(plan.cidrs.m, 'inboundCidrs')}`,
            m,
            `${cidrs.join(',')} on port ${lp.port}${sourceNote(m, 'inboundCidrs')}`,
          );
      }
    }
  }
  return [...ports.values()].sort((a, b) => a.port - b.port);
}

/**
 * Adds one member's certificates to a port's list as the LBC merges them: the first certificate of the
 * first member that has any is the default; every other certificate joins the SNI list once — the
 * default's own slot aside, so a default certificate listed again (by another member, or later) is in
 * the SNI list too.
 */
function mergeCertificates(merged: readonly string[], certs: readonly string[]): string[] {
  const out = merged.length === 0 ? certs.slice(0, 1) : [...merged];
  const rest = merged.length === 0 ? certs.slice(1) : certs;
  for (const c of rest) if (!out.slice(1).includes(c)) out.push(c);
  return out;
}

/** HTTP listeners redirect to the HTTPS port when ssl-redirect is set; they then carry no rules. */
export function redirectsToHttps(plan: PortPlan, settings: GroupSettings): boolean {
  return plan.protocol === 'HTTP' && settings.sslRedirect !== undefined;
}

/** At most one member may bring a `spec.defaultBackend` to a port. */
function defaultBackendOwner(ctx: BuildContext, plan: PortPlan): Member | undefined {
  let owner: Member | undefined;
  for (const m of plan.members) {
    if (!m.ingress.spec?.defaultBackend) continue;
    if (!owner) owner = m;
    else
      ctx.findings.conflict({
        field: 'spec.defaultBackend',
        group: ctx.stackId,
        a: { ref: owner.ref, value: `a default backend on port ${plan.port}` },
        b: { ref: m.ref, value: `a default backend on port ${plan.port}` },
      });
  }
  return owner;
}

/** ssl-redirect, else the one member's default backend on that port, else a 404. */
export function defaultAction(ctx: BuildContext, plan: PortPlan, settings: GroupSettings): Action {
  const owner = defaultBackendOwner(ctx, plan);
  if (redirectsToHttps(plan, settings))
    return {
      type: 'redirect',
      protocol: 'HTTPS',
      port: String(settings.sslRedirect),
      statusCode: 'HTTP_301',
    };
  return owner
    ? backendAction(ctx, owner, owner.ingress.spec?.defaultBackend, 'spec.defaultBackend')
    : NOT_FOUND;
}

/** An HTTPS listener with neither a certificate nor a host to discover one for cannot be created. */
export function checkCertificates(ctx: BuildContext, plan: PortPlan): void {
  if (plan.protocol !== 'HTTPS' || plan.certificates.length > 0 || plan.discoverFor.length > 0) return;
  ctx.findings.problem({
    object: plan.owner.ref,
    field: annotationKey('certificate-arn'),
    value: '',
    expected: `a certificate ARN for HTTPS listener ${plan.port}, or hosts (spec.tls[].hosts, spec.rules[].host) to discover its ACM certificates for`,
  });
}
