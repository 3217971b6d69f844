/**
 * `rule_optimizer_test.go` (LBC's per-listener pruning) and the certificate merge of
 * `model_builder_test.go`. LBC's optimizer test takes rules as built; here they come from Ingress paths
 * with `actions.*` annotations on an HTTPS :443 listener, in the same order.
 */
import type { ConformanceCase } from '../case';
import { cluster, ingress, rule, service, to } from '../fixtures';
import { host, type NAction, type NCondition, type NStack, path } from '../neutral';

const optimizerSource = 'rule_optimizer_test.go: Test_defaultRuleOptimizer_Optimize';
const certSource = 'model_builder_test.go: Test_mergeListenPortConfigs_CertDedup';
const CERT = 'arn:aws:acm:us-east-1:999999999999:certificate/11111111';

/** One Ingress whose ImplementationSpecific paths each use the action of the same name. */
function withActions(actions: [string, string, object][]) {
  return cluster({
    ingresses: [
      ingress('ns-1', 'ing-1', {
        annotations: {
          'listen-ports': '[{"HTTPS":443}]',
          'certificate-arn': CERT,
          ...Object.fromEntries(actions.map(([, name, a]) => [`actions.${name}`, JSON.stringify(a)])),
        },
        rules: [rule(undefined, ...actions.map(([p, name]) => to(p, name, 'use-annotation')))],
      }),
    ],
  });
}
const rulesOf443 = (s: NStack) =>
  s.listeners.find((l) => l.port === 443)?.rules.map((r) => ({ conditions: r.conditions, action: r.action }));
const redirect = (o: Record<string, string>): NAction => ({ type: 'redirect', statusCode: 'HTTP_301', ...o });
const ok200: NAction = { type: 'fixed-response', statusCode: '200' };

/**
 * Two rules on host a.example.com and ImplementationSpecific path `p` that differ only in one
 * `conditions.*` entry; each redirects (302) to its own host. LBC's builder emits the annotation
 * conditions before host and path (its optimizer test lists them after; ALB does not order them).
 */
function twoConditional(p: string, a: [object, string], b: [object, string]) {
  const entries = [a, b].map(([condition, to_], i) => ({ name: `r${i + 1}`, condition, to: to_ }));
  return cluster({
    ingresses: [
      ingress('ns-1', 'ing-1', {
        annotations: {
          'listen-ports': '[{"HTTPS":443}]',
          'certificate-arn': CERT,
          ...Object.fromEntries(
            entries.flatMap((e) => [
              [`conditions.${e.name}`, JSON.stringify([e.condition])],
              [
                `actions.${e.name}`,
                JSON.stringify({ type: 'redirect', redirectConfig: { host: e.to, statusCode: 'HTTP_302' } }),
              ],
            ]),
          ),
        },
        rules: [rule('a.example.com', ...entries.map((e) => to(p, e.name, 'use-annotation')))],
      }),
    ],
  });
}
const preserved = (p: string, a: [NCondition, string], b: [NCondition, string]) =>
  [a, b].map(([c, h]) => ({
    conditions: [c, host('a.example.com'), path(p)],
    action: { type: 'redirect', host: h, statusCode: 'HTTP_302' },
  }));
const preservedAdapted =
  'rules written as Ingress paths with conditions.* and actions.* annotations; conditions in the order LBC’s builder emits them';

export const RULE_AND_CERTIFICATE_CASES: ConformanceCase[] = [
  {
    name: 'rules with different query strings should be preserved',
    source: optimizerSource,
    adapted: preservedAdapted,
    objects: twoConditional(
      '/api',
      [
        { field: 'query-string', queryStringConfig: { values: [{ key: 'version', value: 'v1' }] } },
        'api-v1.example.com',
      ],
      [
        { field: 'query-string', queryStringConfig: { values: [{ key: 'version', value: 'v2' }] } },
        'api-v2.example.com',
      ],
    ),
    lbc: {
      kind: 'stack',
      select: rulesOf443,
      equals: preserved(
        '/api',
        [{ field: 'query-string', values: [{ key: 'version', value: 'v1' }] }, 'api-v1.example.com'],
        [{ field: 'query-string', values: [{ key: 'version', value: 'v2' }] }, 'api-v2.example.com'],
      ),
    },
  },
  {
    name: 'rules with different HTTP methods should be preserved',
    source: optimizerSource,
    adapted: preservedAdapted,
    objects: twoConditional(
      '/api',
      [
        { field: 'http-request-method', httpRequestMethodConfig: { Values: ['GET'] } },
        'readonly.example.com',
      ],
      [
        { field: 'http-request-method', httpRequestMethodConfig: { Values: ['POST'] } },
        'writeapi.example.com',
      ],
    ),
    lbc: {
      kind: 'stack',
      select: rulesOf443,
      equals: preserved(
        '/api',
        [{ field: 'http-request-method', values: ['GET'] }, 'readonly.example.com'],
        [{ field: 'http-request-method', values: ['POST'] }, 'writeapi.example.com'],
      ),
    },
  },
  {
    name: 'rules with different source IPs should be preserved',
    source: optimizerSource,
    adapted: preservedAdapted,
    objects: twoConditional(
      '/admin',
      [{ field: 'source-ip', sourceIpConfig: { values: ['10.0.0.0/8'] } }, 'internal-admin.example.com'],
      [{ field: 'source-ip', sourceIpConfig: { values: ['192.168.0.0/16'] } }, 'vpn-admin.example.com'],
    ),
    lbc: {
      kind: 'stack',
      select: rulesOf443,
      equals: preserved(
        '/admin',
        [{ field: 'source-ip', values: ['10.0.0.0/8'] }, 'internal-admin.example.com'],
        [{ field: 'source-ip', values: ['192.168.0.0/16'] }, 'vpn-admin.example.com'],
      ),
    },
  },
  {
    name: 'infinite redirect rule should be omitted',
    source: optimizerSource,
    adapted: 'rules written as Ingress paths with actions.* annotations',
    objects: withActions([
      ['/www', 'to-app', { type: 'redirect', redirectConfig: { path: '/app', statusCode: 'HTTP_301' } }],
      ['/*', 'to-self', { type: 'redirect', redirectConfig: { statusCode: 'HTTP_301' } }],
      ['/app', 'ok', { type: 'fixed-response', fixedResponseConfig: { statusCode: '200' } }],
    ]),
    lbc: {
      kind: 'stack',
      select: rulesOf443,
      equals: [
        { conditions: [path('/www')], action: redirect({ path: '/app' }) },
        { conditions: [path('/app')], action: ok200 },
      ],
    },
  },
  {
    name: 'rules after a unconditional redirect rule should be omitted',
    source: optimizerSource,
    adapted: 'rules written as Ingress paths with actions.* annotations',
    objects: withActions([
      ['/www', 'to-app', { type: 'redirect', redirectConfig: { path: '/app', statusCode: 'HTTP_301' } }],
      [
        '/*',
        'to-home',
        { type: 'redirect', redirectConfig: { host: 'home.example.com', statusCode: 'HTTP_301' } },
      ],
      ['/app', 'ok', { type: 'fixed-response', fixedResponseConfig: { statusCode: '200' } }],
    ]),
    lbc: {
      kind: 'stack',
      select: rulesOf443,
      equals: [
        { conditions: [path('/www')], action: redirect({ path: '/app' }) },
        { conditions: [path('/*')], action: redirect({ host: 'home.example.com' }) },
      ],
    },
  },
  {
    name: 'two ingresses with different literal cert tokens should merge both',
    source: certSource,
    adapted:
      'two members of group g on HTTPS :443; ACM ARNs with a 12-digit account id (LBC writes 123456789)',
    stackId: 'g',
    objects: cluster({
      ingresses: ['a', 'b'].map((x) =>
        ingress('ns', `ing-${x}`, {
          annotations: {
            'group.name': 'g',
            'certificate-arn': `arn:aws:acm:us-east-1:123456789012:certificate/cert-${x}`,
          },
          rules: [rule(`${x}.example.com`, to('/', 'svc', 80, 'Prefix'))],
        }),
      ),
      services: [service('ns', 'svc', [{ port: 80, targetPort: 8080, nodePort: 30080 }])],
    }),
    lbc: {
      kind: 'stack',
      select: (s) => s.listeners.map((l) => [l.port, l.certificates]),
      equals: [
        [
          443,
          [
            'arn:aws:acm:us-east-1:123456789012:certificate/cert-a',
            'arn:aws:acm:us-east-1:123456789012:certificate/cert-b',
          ],
        ],
      ],
    },
  },
];

// ---- Test_isInfiniteRedirectRule: one rule (hosts www/app.example.com, paths /www and /app) that
// redirects; LBC's optimizer drops it when the redirect leads back to a request it matches itself.
const infiniteSource = 'rule_optimizer_test.go: Test_isInfiniteRedirectRule';
function redirectRule(
  name: string,
  listener: { port: number; protocol: 'HTTPS' },
  redirectConfig: Record<string, string>,
  infinite: boolean,
): ConformanceCase {
  return {
    name,
    source: infiniteSource,
    adapted:
      'the rule is an Ingress path (host www.example.com, path /www) whose conditions.* add app.example.com and /app, with actions.* holding the redirect',
    objects: cluster({
      ingresses: [
        ingress('ns-1', 'ing-1', {
          annotations: {
            'listen-ports': JSON.stringify([{ [listener.protocol]: listener.port }]),
            'certificate-arn': CERT,
            'conditions.self': JSON.stringify([
              { field: 'host-header', hostHeaderConfig: { values: ['app.example.com'] } },
              { field: 'path-pattern', pathPatternConfig: { values: ['/app'] } },
            ]),
            'actions.self': JSON.stringify({
              type: 'redirect',
              redirectConfig: { ...redirectConfig, statusCode: 'HTTP_301' },
            }),
          },
          rules: [rule('www.example.com', to('/www', 'self', 'use-annotation'))],
        }),
      ],
    }),
    lbc: {
      kind: 'stack',
      select: (s) => s.listeners.map((l) => [l.port, l.rules.map((r) => r.conditions)]),
      equals: [
        [listener.port, infinite ? [] : [[host('www.example.com', 'app.example.com'), path('/www', '/app')]]],
      ],
    },
  };
}
const https443 = { port: 443, protocol: 'HTTPS' as const };
const https80 = { port: 80, protocol: 'HTTPS' as const };

export const INFINITE_REDIRECT_CASES: ConformanceCase[] = [
  redirectRule('is infinite redirect rule when all fields are unset', https443, {}, true),
  redirectRule(
    'is infinite redirect rule when all fields are set to default value',
    https443,
    { host: '#{host}', path: '/#{path}', port: '#{port}', protocol: '#{protocol}', query: '#{query}' },
    true,
  ),
  redirectRule(
    "is infinite redirect rule when host didn't differs",
    https443,
    { host: 'app.example.com' },
    true,
  ),
  redirectRule(
    "isn't infinite redirect rule when host differs",
    https443,
    { host: 'home.example.com' },
    false,
  ),
  redirectRule("is infinite redirect rule when path didn't differs", https443, { path: '/app' }, true),
  redirectRule("isn't infinite redirect rule when path differs", https443, { path: '/home' }, false),
  redirectRule("is infinite redirect rule when port didn't differs", https443, { port: '443' }, true),
  redirectRule("isn't infinite redirect rule when port differs", https443, { port: '80' }, false),
  redirectRule(
    "is infinite redirect rule when protocol didn't differs",
    https443,
    { protocol: 'HTTPS' },
    true,
  ),
  redirectRule("isn't infinite redirect rule when protocol differs", https80, { protocol: 'HTTP' }, false),
  redirectRule("isn't infinite redirect rule when query differs", https80, { query: 'a=b' }, false),
];

// ---- Test_isSupersetConditions: a redirect rule (lhs) followed by a fixed-response rule (rhs); LBC's
// optimizer drops the second when the redirect's host and path values cover it.
const supersetSource = 'rule_optimizer_test.go: Test_isSupersetConditions';
interface Side {
  hosts?: [string, ...string[]];
  paths?: [string, ...string[]];
  sourceIp?: string;
}
/** An Ingress rule whose host/path are the first values and whose conditions.* add the others. */
function sideRule(backend: string, side: Side) {
  const conditions: object[] = [];
  if (side.hosts && side.hosts.length > 1)
    conditions.push({ field: 'host-header', hostHeaderConfig: { values: side.hosts.slice(1) } });
  if (side.paths && side.paths.length > 1)
    conditions.push({ field: 'path-pattern', pathPatternConfig: { values: side.paths.slice(1) } });
  if (side.sourceIp) conditions.push({ field: 'source-ip', sourceIpConfig: { values: [side.sourceIp] } });
  return {
    rule: rule(side.hosts?.[0], to(side.paths?.[0], backend, 'use-annotation')),
    conditions: conditions.length > 0 ? { [`conditions.${backend}`]: JSON.stringify(conditions) } : {},
  };
}
function superset(name: string, lhs: Side, rhs: Side, covered: boolean): ConformanceCase {
  const l = sideRule('redir', lhs);
  const r = sideRule('ok', rhs);
  return {
    name,
    source: supersetSource,
    adapted:
      'lhs is a redirect to another host, rhs a fixed response, both Ingress rules on HTTPS :443 (host and path first, further values through conditions.*)',
    objects: cluster({
      ingresses: [
        ingress('ns-1', 'ing-1', {
          annotations: {
            'listen-ports': '[{"HTTPS":443}]',
            'certificate-arn': CERT,
            'actions.redir': JSON.stringify({
              type: 'redirect',
              redirectConfig: { host: 'elsewhere.example.com', statusCode: 'HTTP_301' },
            }),
            'actions.ok': JSON.stringify({
              type: 'fixed-response',
              fixedResponseConfig: { statusCode: '200' },
            }),
            ...l.conditions,
            ...r.conditions,
          },
          rules: [l.rule, r.rule],
        }),
      ],
    }),
    lbc: {
      kind: 'stack',
      select: (s) => s.listeners[0]?.rules.map((x) => x.action.type),
      equals: covered ? ['redirect'] : ['redirect', 'fixed-response'],
    },
  };
}
const wwwApp: [string, string] = ['www.example.com', 'app.example.com'];
const wwwAppPaths: [string, string] = ['/www', '/app'];

export const SUPERSET_CASES: ConformanceCase[] = [
  superset(
    'lhs hosts is superSet and lhs conditions nil',
    { hosts: wwwApp },
    { hosts: ['app.example.com'] },
    true,
  ),
  superset(
    "lhs hosts isn't superSet and lhs conditions nil",
    { hosts: wwwApp },
    { hosts: ['home.example.com'] },
    false,
  ),
  superset(
    "lhs hosts isn't superSet and lhs conditions nil - due to rhs hosts is empty",
    { hosts: wwwApp },
    { sourceIp: '192.168.0.0/16' },
    false,
  ),
  superset(
    'lhs hosts is nil and lhs conditions is superSet',
    { paths: wwwAppPaths },
    { paths: ['/app'] },
    true,
  ),
  superset(
    "lhs hosts is nil and lhs conditions isn't superSet",
    { paths: wwwAppPaths },
    { paths: ['/home'] },
    false,
  ),
  superset(
    "lhs hosts is nil and lhs conditions isn't superSet - due to rhs conditions is empty",
    { paths: wwwAppPaths },
    { sourceIp: '192.168.0.0/16' },
    false,
  ),
  superset(
    'lhs hosts is nil and lhs conditions is superSet - due to /*',
    { paths: ['/www', '/*'] },
    { paths: ['/home'] },
    true,
  ),
  superset(
    'both lhs hosts and lhs conditions exists, and both are superSet',
    { hosts: wwwApp, paths: wwwAppPaths },
    { hosts: ['app.example.com'], paths: ['/app'] },
    true,
  ),
  superset(
    'both lhs hosts and lhs conditions exists, but only hosts is superSet',
    { hosts: wwwApp, paths: wwwAppPaths },
    { hosts: ['app.example.com'], paths: ['/home'] },
    false,
  ),
  superset(
    'both lhs hosts and lhs conditions exists, but only conditions is superSet',
    { hosts: wwwApp, paths: wwwAppPaths },
    { hosts: ['home.example.com'], paths: ['/app'] },
    false,
  ),
];
