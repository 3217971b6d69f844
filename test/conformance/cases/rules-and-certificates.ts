/**
 * `rule_optimizer_test.go` (LBC's per-listener pruning) and the certificate merge of
 * `model_builder_test.go`. LBC's optimizer test takes rules as built; here they come from Ingress paths
 * with `actions.*` annotations on an HTTPS :443 listener, in the same order.
 */
import type { ConformanceCase } from '../case';
import { cluster, ingress, rule, service, to } from '../fixtures';
import { type NAction, type NStack, path } from '../neutral';

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

export const RULE_AND_CERTIFICATE_CASES: ConformanceCase[] = [
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
