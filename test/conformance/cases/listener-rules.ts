/**
 * `model_build_listener_rules_test.go`: path ordering, path patterns and rule conditions. LBC tests these
 * builder steps on single paths; here each path is an Ingress path to svc-1 and the rules of listener
 * :80 are compared. LBC's paths without pathType are ImplementationSpecific (LBC reads a missing pathType
 * so, and the API server requires one).
 */
import type { V1HTTPIngressPath } from '@kubernetes/client-node';
import type { ConformanceCase } from '../case';
import { cluster, ingress, rule, svc1, to } from '../fixtures';
import { host, type NCondition, type NStack, path } from '../neutral';

const file = 'model_build_listener_rules_test.go';
type PathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';

function oneIngress(
  paths: V1HTTPIngressPath[],
  o: { host?: string; annotations?: Record<string, string> } = {},
) {
  return cluster({
    ingresses: [ingress('ns-1', 'ing-1', { annotations: o.annotations, rules: [rule(o.host, ...paths)] })],
    services: [svc1],
  });
}
const p = (value: string | undefined, type: PathType) => to(value, 'svc-1', 'http', type);
const conditionsOf = (s: NStack) => s.listeners[0]?.rules.map((r) => r.conditions);

// ---- Test_defaultModelBuildTask_sortIngressPath: the rules' order is the paths' order.
const sortSource = `${file}: Test_defaultModelBuildTask_sortIngressPath`;
const sorted = (name: string, paths: [string, PathType][], want: NCondition[][]): ConformanceCase => ({
  name,
  source: sortSource,
  objects: oneIngress(paths.map(([v, t]) => p(v, t))),
  lbc: { kind: 'stack', select: conditionsOf, equals: want },
});
const prefix = (v: string) => [path(v, `${v}/*`)];

// ---- Test_defaultModelBuildTask_buildPathPatterns: one path's pattern values.
const patternSource = `${file}: Test_defaultModelBuildTask_buildPathPatterns`;
const pattern = (
  name: string,
  value: string,
  type: string | undefined,
  want: string[] | { lbc: string; problem: RegExp },
): ConformanceCase => ({
  name,
  source: patternSource,
  ...(type === undefined ? { adapted: 'no pathType → ImplementationSpecific' } : {}),
  objects: oneIngress([
    { path: value, pathType: type ?? 'ImplementationSpecific', backend: p(value, 'Exact').backend },
  ]),
  lbc: Array.isArray(want)
    ? { kind: 'stack', select: conditionsOf, equals: [[path(...want)]] }
    : { kind: 'error', lbc: want.lbc, problems: [want.problem] },
});

// ---- Test_defaultModelBuildTask_buildRuleConditions: the conditions of the one rule.
const condSource = `${file}: Test_defaultModelBuildTask_buildRuleConditions`;
const conditions = (
  name: string,
  input: { host?: string; path?: [string, PathType]; conditions?: unknown[] },
  want: NCondition[],
): ConformanceCase => ({
  name,
  source: condSource,
  objects: oneIngress([input.path ? p(...input.path) : p(undefined, 'ImplementationSpecific')], {
    host: input.host,
    annotations: input.conditions ? { 'conditions.svc-1': JSON.stringify(input.conditions) } : undefined,
  }),
  lbc: { kind: 'stack', select: conditionsOf, equals: [want] },
});

export const LISTENER_RULE_CASES: ConformanceCase[] = [
  sorted(
    'Prefix path only',
    [
      ['/abc', 'Prefix'],
      ['/example', 'Prefix'],
      ['/tea', 'Prefix'],
    ],
    [prefix('/example'), prefix('/abc'), prefix('/tea')],
  ),
  sorted(
    'ImplementationSpecific path only',
    [
      ['', 'ImplementationSpecific'],
      ['/a', 'ImplementationSpecific'],
      ['/test', 'ImplementationSpecific'],
    ],
    // A rule with neither host nor path matches everything.
    [[path('/*')], [path('/a')], [path('/test')]],
  ),
  sorted(
    'Exact and prefix paths',
    [
      ['/abc', 'Prefix'],
      ['/aaa', 'Exact'],
      ['/aaa/bbb', 'Prefix'],
      ['/abc/abc/abc', 'Prefix'],
    ],
    [[path('/aaa')], prefix('/abc/abc/abc'), prefix('/aaa/bbb'), prefix('/abc')],
  ),
  sorted(
    'Prefix and ImplementationSpecific paths',
    [
      ['/b', 'ImplementationSpecific'],
      ['/ccc', 'ImplementationSpecific'],
      ['/aaa', 'Prefix'],
      ['/example', 'Prefix'],
    ],
    [prefix('/example'), prefix('/aaa'), [path('/b')], [path('/ccc')]],
  ),
  sorted(
    'All three types',
    [
      ['/b', 'ImplementationSpecific'],
      ['/ccc', 'ImplementationSpecific'],
      ['/aaa', 'Prefix'],
      ['/example', 'Prefix'],
      ['/test', 'Exact'],
    ],
    [[path('/test')], prefix('/example'), prefix('/aaa'), [path('/b')], [path('/ccc')]],
  ),

  pattern('/* with empty pathType', '/*', undefined, ['/*']),
  pattern('/* with implementationSpecific pathType', '/*', 'ImplementationSpecific', ['/*']),
  pattern('/* with exact pathType', '/*', 'Exact', {
    lbc: "exact path shouldn't contain wildcards: /*",
    problem: /paths\[0\]\.path: \/\*: expected no wildcard/,
  }),
  pattern('/* with prefix pathType', '/*', 'Prefix', {
    lbc: "prefix path shouldn't contain wildcards: /*",
    problem: /paths\[0\]\.path: \/\*: expected no wildcard/,
  }),
  pattern('/abc/ with empty pathType', '/abc/', undefined, ['/abc/']),
  pattern('/abc/ with implementationSpecific pathType', '/abc/', 'ImplementationSpecific', ['/abc/']),
  pattern('/abc/ with exact pathType', '/abc/', 'Exact', ['/abc/']),
  pattern('/abc/ with prefix pathType', '/abc/', 'Prefix', ['/abc', '/abc/*']),
  pattern('/abc/ with unknown pathType', '/abc/', 'unknown', {
    lbc: 'unsupported pathType: unknown',
    problem: /expected pathType Exact, Prefix or ImplementationSpecific/,
  }),

  conditions('host only', { host: 'example.com' }, [host('example.com')]),
  conditions('host only, with wildcard', { host: '*.example.com' }, [host('*.example.com')]),
  conditions('path only (exact path type)', { path: ['/exact', 'Exact'] }, [path('/exact')]),
  conditions('path only (prefix path type)', { path: ['/prefix', 'Prefix'] }, [path('/prefix', '/prefix/*')]),
  conditions('path only (ImplementationSpecific path type)', { path: ['/impl', 'ImplementationSpecific'] }, [
    path('/impl'),
  ]),
  conditions('both host and path', { host: 'example.com', path: ['/path', 'Exact'] }, [
    host('example.com'),
    path('/path'),
  ]),
  conditions(
    'host and host header condition (values)',
    {
      host: 'example.com',
      conditions: [{ field: 'host-header', hostHeaderConfig: { values: ['another-example.com'] } }],
    },
    [host('example.com', 'another-example.com')],
  ),
  conditions(
    'path and path condition (values)',
    {
      path: ['/api', 'Prefix'],
      conditions: [{ field: 'path-pattern', pathPatternConfig: { values: ['/another-api/*'] } }],
    },
    [path('/api', '/api/*', '/another-api/*')],
  ),
  {
    name: 'path only (ImplementationSpecific path type, with regex)',
    source: condSource,
    objects: oneIngress([p('/^api/.+$', 'ImplementationSpecific')], {
      annotations: { 'use-regex-path-match': 'true' },
    }),
    lbc: {
      kind: 'stack',
      select: conditionsOf,
      equals: [[{ field: 'path-pattern', regexValues: ['^api/.+$'] }]],
    },
    status: 'unsupported',
    unsupported: 'use-regex-path-match (regex path patterns)',
    albatross: {
      kind: 'stack',
      select: conditionsOf,
      equals: [[path('/^api/.+$')]],
      warnings: [/use-regex-path-match.*not supported by Albatross/],
    },
  },
];
