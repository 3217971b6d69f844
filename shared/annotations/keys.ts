/**
 * The v1 annotation set (SPEC §3) as data: key → where it may appear and how it lands in the settings.
 * Adding an annotation is adding a row here.
 */
import { IpAddressType, Protocol, ProtocolVersion, Scheme, TargetType } from '../model';
import type { IngressSettings, ListenPort } from './types';
import {
  canonicalCidr,
  fail,
  ok,
  parseEnum,
  parseIntIn,
  parseList,
  parseMap,
  parseStrictJson,
  parseSuccessCodes,
  type ValueResult,
} from './values';

/** `ingress`: Ingress only; `backend`: Ingress, overridable by the backend Service. */
export type Location = 'ingress' | 'backend';

export interface AnnotationSpec {
  location: Location;
  /** Parses `raw` into `into`; returns the `expected …` text when the value is bad. */
  apply(raw: string, into: IngressSettings): string | undefined;
}

function row<T>(
  location: Location,
  parse: (raw: string) => ValueResult<T>,
  assign: (into: IngressSettings, value: T) => void,
): AnnotationSpec {
  return {
    location,
    apply(raw, into) {
      const r = parse(raw);
      if (!r.ok) return r.expected;
      assign(into, r.value);
      return undefined;
    },
  };
}

const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const WAFV2_ARN = /^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\/[^/]+\/[^/]+$/;
const LB_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$/;
export const GROUP_NAME = /^([a-z0-9][-a-z0-9.]*)?[a-z0-9]$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

function parseListenPorts(raw: string): ValueResult<ListenPort[]> {
  const expected =
    'a non-empty JSON array like [{"HTTP":80},{"HTTPS":443}] (protocol HTTP or HTTPS, port 1–65535)';
  const json = parseStrictJson(raw);
  if (!json.ok) return fail(`${expected}: ${json.expected}`);
  if (!Array.isArray(json.value) || json.value.length === 0) return fail(expected);
  const out: ListenPort[] = [];
  for (const item of json.value) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return fail(expected);
    const entries = Object.entries(item as Record<string, unknown>);
    if (entries.length !== 1) return fail(expected);
    const [protocol, port] = entries[0]!;
    if ((protocol !== 'HTTP' && protocol !== 'HTTPS') || !Number.isInteger(port)) return fail(expected);
    const n = port as number;
    if (n < 1 || n > 65535) return fail(expected);
    if (out.some((p) => p.port === n && p.protocol !== protocol)) {
      return fail(`${expected}; port ${n} is listed with two protocols`);
    }
    if (!out.some((p) => p.port === n)) out.push({ protocol, port: n });
  }
  return ok(out);
}

/**
 * Unique ARNs, the default first. Listing the default again is how LBC users put it in the SNI list
 * too, so that is kept as a flag rather than as a duplicate.
 */
function parseCertificateArns(raw: string): ValueResult<{ arns: string[]; defaultInSni: boolean }> {
  const arns = parseList(raw);
  if (arns.length === 0) return fail('a comma-separated list of ACM certificate ARNs');
  const bad = arns.find((a) => !ACM_ARN.test(a));
  return bad === undefined
    ? ok({ arns: [...new Set(arns)], defaultInSni: arns.indexOf(arns[0]!, 1) > 0 })
    : fail(
        `ACM certificate ARNs like arn:aws:acm:us-east-1:123456789012:certificate/<id> (bad item "${bad}")`,
      );
}

function parseTags(raw: string): ValueResult<Record<string, string>> {
  const m = parseMap(raw);
  if (!m.ok) return m;
  const keys = Object.keys(m.value);
  if (keys.length > 50) return fail(`at most 50 tags (got ${keys.length})`);
  for (const [k, v] of Object.entries(m.value)) {
    if (k.toLowerCase().startsWith('aws:'))
      return fail(`tag keys without the reserved "aws:" prefix (key "${k}")`);
    if (!TAG_KEY.test(k)) return fail(`tag keys of 1–128 letters, digits, spaces and _.:/=+-@ (key "${k}")`);
    if (!TAG_VALUE.test(v))
      return fail(`tag values of up to 256 letters, digits, spaces and _.:/=+-@ (key "${k}")`);
  }
  return ok(m.value);
}

function parseNonEmptyList(what: string): (raw: string) => ValueResult<string[]> {
  return (raw) => {
    const items = parseList(raw);
    return items.length > 0 ? ok([...new Set(items)]) : fail(`a comma-separated list of ${what}`);
  };
}

function parseCidrs(raw: string): ValueResult<string[]> {
  const items = parseList(raw);
  if (items.length === 0) return fail('a comma-separated list of CIDRs');
  const out: string[] = [];
  for (const item of items) {
    const c = canonicalCidr(item);
    if (!c.ok) return fail(`${c.expected} (bad item "${item}")`);
    if (!out.includes(c.value)) out.push(c.value);
  }
  return ok(out);
}

function parseHealthcheckPort(raw: string): ValueResult<'traffic-port' | number | string> {
  const v = raw.trim();
  if (v === 'traffic-port') return ok(v);
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    return n >= 1 && n <= 65535
      ? ok(n)
      : fail('traffic-port, a port from 1 to 65535, or a named Service port');
  }
  return /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) && v.length <= 15
    ? ok(v)
    : fail('traffic-port, a port from 1 to 65535, or a named Service port');
}

function parseString(what: string, test: (v: string) => boolean): (raw: string) => ValueResult<string> {
  return (raw) => {
    const v = raw.trim();
    return test(v) ? ok(v) : fail(what);
  };
}

export const ANNOTATIONS: Readonly<Record<string, AnnotationSpec>> = {
  scheme: row('ingress', parseEnum(Scheme.options), (s, v) => {
    s.scheme = v;
  }),
  'target-type': row('backend', parseEnum(TargetType.options), (s, v) => {
    s.targetType = v;
  }),
  'listen-ports': row('ingress', parseListenPorts, (s, v) => {
    s.listenPorts = v;
  }),
  'certificate-arn': row('ingress', parseCertificateArns, (s, v) => {
    s.certificateArns = v.arns;
    if (v.defaultInSni) s.defaultCertificateInSni = true;
  }),
  'ssl-policy': row(
    'ingress',
    parseString('an ELB security policy name like ELBSecurityPolicy-TLS13-1-2-2021-06', (v) =>
      /^[A-Za-z0-9-]{1,128}$/.test(v),
    ),
    (s, v) => {
      s.sslPolicy = v;
    },
  ),
  'ssl-redirect': row('ingress', parseIntIn(1, 65535), (s, v) => {
    s.sslRedirect = v;
  }),
  'backend-protocol': row('backend', parseEnum(Protocol.options), (s, v) => {
    s.backendProtocol = v;
  }),
  'backend-protocol-version': row('backend', parseEnum(ProtocolVersion.options), (s, v) => {
    s.backendProtocolVersion = v;
  }),
  'healthcheck-port': row('backend', parseHealthcheckPort, (s, v) => {
    s.healthcheckPort = v;
  }),
  'healthcheck-protocol': row('backend', parseEnum(Protocol.options), (s, v) => {
    s.healthcheckProtocol = v;
  }),
  'healthcheck-path': row(
    'backend',
    parseString(
      'a path starting with / (at most 1024 characters)',
      (v) => v.startsWith('/') && v.length <= 1024,
    ),
    (s, v) => {
      s.healthcheckPath = v;
    },
  ),
  'healthcheck-interval-seconds': row('backend', parseIntIn(5, 300), (s, v) => {
    s.healthcheckIntervalSeconds = v;
  }),
  'healthcheck-timeout-seconds': row('backend', parseIntIn(2, 120), (s, v) => {
    s.healthcheckTimeoutSeconds = v;
  }),
  'healthy-threshold-count': row('backend', parseIntIn(2, 10), (s, v) => {
    s.healthyThresholdCount = v;
  }),
  'unhealthy-threshold-count': row('backend', parseIntIn(2, 10), (s, v) => {
    s.unhealthyThresholdCount = v;
  }),
  // Range checked against the protocol version by the parser (HTTP 200–499, GRPC 0–99).
  'success-codes': row('backend', parseSuccessCodes(0, 499), (s, v) => {
    s.successCodes = v;
  }),
  'target-group-attributes': row('backend', parseMap, (s, v) => {
    s.targetGroupAttributes = v;
  }),
  'load-balancer-attributes': row('ingress', parseMap, (s, v) => {
    s.loadBalancerAttributes = v;
  }),
  'load-balancer-name': row(
    'ingress',
    parseString('at most 32 characters of a-z, A-Z, 0-9 and -, not starting or ending with -', (v) =>
      LB_NAME.test(v),
    ),
    (s, v) => {
      s.loadBalancerName = v;
    },
  ),
  subnets: row('ingress', parseNonEmptyList('subnet IDs or Name tags'), (s, v) => {
    s.subnets = v;
  }),
  'security-groups': row('ingress', parseNonEmptyList('security group IDs or Name tags'), (s, v) => {
    s.securityGroups = v;
  }),
  'inbound-cidrs': row('ingress', parseCidrs, (s, v) => {
    s.inboundCidrs = v;
  }),
  'ip-address-type': row('ingress', parseEnum(IpAddressType.options), (s, v) => {
    s.ipAddressType = v;
  }),
  tags: row('backend', parseTags, (s, v) => {
    s.tags = v;
  }),
  'group.name': row(
    'ingress',
    parseString(
      'at most 63 characters of a-z, 0-9, - and ., starting and ending with a letter or digit',
      (v) => v.length <= 63 && GROUP_NAME.test(v),
    ),
    (s, v) => {
      s.groupName = v;
    },
  ),
  'group.order': row('ingress', parseIntIn(-1000, 1000), (s, v) => {
    s.groupOrder = v;
  }),
  // With explicit security-groups, the backend SG and the targets' rules are the user's unless this says
  // otherwise (the managed SG always has them). Go's ParseBool spellings are what the LBC accepts.
  'manage-backend-security-group-rules': row('ingress', parseEnum(['true', 'false'] as const), (s, v) => {
    s.manageBackendSecurityGroupRules = v === 'true';
  }),
  'wafv2-acl-arn': row(
    'ingress',
    parseString('a WAFv2 regional WebACL ARN or none', (v) => v === 'none' || WAFV2_ARN.test(v)),
    (s, v) => {
      s.wafv2AclArn = v;
    },
  ),
};

/** Keys the AWS Load Balancer Controller knows that Albatross does not implement yet. */
export const UNSUPPORTED_KEYS: ReadonlySet<string> = new Set([
  'auth-type',
  'auth-idp-cognito',
  'auth-idp-oidc',
  'auth-on-unauthenticated-request',
  'auth-scope',
  'auth-session-cookie',
  'auth-session-timeout',
  'mutual-authentication',
  'shield-advanced-protection',
  'customer-owned-ipv4-pool',
  'ipam-ipv4-pool-id',
  'target-node-labels',
  'waf-acl-id',
  'web-acl-id',
  'use-regex-path-match',
  'multi-cluster-target-group',
  'target-control-port',
  'security-group-prefix-lists',
  'wafv2-acl-name',
  'jwt-validation',
  'minimum-load-balancer-capacity',
  'enable-frontend-nlb',
  'acm-pca-arn',
  'create-acm-cert',
  'dry-run-plan',
]);
export const UNSUPPORTED_PREFIXES: readonly string[] = [
  // target-control-port.<service>.<port>
  'target-control-port.',
  'frontend-nlb-',
  'listener-attributes.',
  'transforms.',
];

/** Prefixed families parsed as JSON (see actions.ts). */
export const ACTIONS_PREFIX = 'actions.';
export const CONDITIONS_PREFIX = 'conditions.';
