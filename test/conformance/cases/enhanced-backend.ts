/**
 * `enhanced_backend_builder_test.go`: `conditions.*` and `actions.*` as LBC reads them (camelCase and the
 * legacy CamelCase member names). LBC's test parses the annotation for one backend name; here an Ingress
 * path without a path value goes to that name, and the rule it becomes is compared: its conditions as
 * LBC's rule builder then emits them (other conditions first, then one host-header and one path-pattern,
 * `/*` only when nothing else matches), or its action as the model holds it.
 */
import type { ConformanceCase } from '../case';
import { cluster, ingress, rule, service, to } from '../fixtures';
import { host, type NAction, type NCondition, type NStack, path } from '../neutral';

const file = 'enhanced_backend_builder_test.go';
const condSource = `${file}: Test_defaultEnhancedBackendBuilder_buildConditions`;
const actionSource = `${file}: Test_defaultEnhancedBackendBuilder_buildActionViaAnnotation`;

const http = { name: 'http', port: 80, targetPort: 8080, nodePort: 32768 };
const https = { name: 'https', port: 443, targetPort: 8443, nodePort: 32769 };

/** One Ingress whose only path (no path value) goes to `backend`, with `annotations`. */
function onePath(backend: string, annotations: Record<string, string>, useAnnotation = false) {
  return cluster({
    ingresses: [
      ingress('ns-1', 'ing-1', {
        annotations,
        rules: [rule(undefined, to(undefined, backend, useAnnotation ? 'use-annotation' : 'http'))],
      }),
    ],
    services: [
      'rule-path1',
      'rule-path2',
      'rule-path3',
      'rule-path4',
      'rule-path5',
      'rule-path6',
      'rule-path7',
    ]
      .map((n) => service('ns-1', n, [http]))
      .concat([service('ns-1', 'service-1', [http]), service('ns-1', 'service-2', [http, https])]),
  });
}
const firstRule = (s: NStack) => s.listeners[0]?.rules[0];

function conditionCase(name: string, svc: string, json: string, want: NCondition[]): ConformanceCase {
  return {
    name,
    source: condSource,
    objects: onePath(svc, { [`conditions.${svc}`]: json }),
    lbc: { kind: 'stack', select: (s) => firstRule(s)?.conditions, equals: want },
  };
}

function regexCase(name: string, svc: string, json: string, lbcWant: unknown[]): ConformanceCase {
  return {
    name,
    source: condSource,
    objects: onePath(svc, { [`conditions.${svc}`]: json }),
    lbc: { kind: 'stack', select: (s) => firstRule(s)?.conditions, equals: lbcWant },
    status: 'unsupported',
    unsupported: 'regexValues in conditions',
    albatross: { kind: 'error', problems: [new RegExp(`conditions\\.${svc}: .*regexValues`)] },
  };
}

const header: NCondition = {
  field: 'http-header',
  httpHeaderName: 'HeaderName',
  values: ['HeaderValue1', 'HeaderValue2'],
};
const methods: NCondition = { field: 'http-request-method', values: ['GET', 'HEAD'] };
const query: NCondition = {
  field: 'query-string',
  values: [
    { key: 'paramA', value: 'valueA1' },
    { key: 'paramA', value: 'valueA2' },
  ],
};
const sourceIp: NCondition = { field: 'source-ip', values: ['192.168.0.0/16', '172.16.0.0/16'] };
const multiple: NCondition[] = [
  { field: 'http-header', httpHeaderName: 'HeaderName', values: ['HeaderValue'] },
  { field: 'query-string', values: [{ key: 'paramA', value: 'valueA' }] },
  { field: 'query-string', values: [{ key: 'paramB', value: 'valueB' }] },
];

function actionCase(
  name: string,
  backend: string,
  json: string,
  want: NAction,
  adapted?: string,
): ConformanceCase {
  return {
    name,
    source: actionSource,
    ...(adapted ? { adapted } : {}),
    objects: onePath(backend, { [`actions.${backend}`]: json }, true),
    lbc: { kind: 'stack', select: (s) => firstRule(s)?.action, equals: want },
  };
}

/** LBC's tests write `tg-arn`; Albatross takes only well-formed target-group ARNs. */
const TG_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0123456789abcdef';
const ARN_ADAPTED = 'a well-formed target-group ARN for LBC’s tg-arn';
const eks: NAction = {
  type: 'redirect',
  host: 'aws.amazon.com',
  path: '/eks/',
  port: '443',
  protocol: 'HTTPS',
  query: 'k=v',
  statusCode: 'HTTP_302',
};
const fixed503: NAction = {
  type: 'fixed-response',
  contentType: 'text/plain',
  messageBody: '503 error text',
  statusCode: '503',
};
const weighted = (...tgs: [string, number][]) =>
  tgs.map(([targetGroup, weight]) => ({ targetGroup, weight }));

export const ENHANCED_BACKEND_CASES: ConformanceCase[] = [
  conditionCase(
    'host header condition',
    'rule-path1',
    '[{"field":"host-header","hostHeaderConfig":{"values":["anno.example.com"]}}]',
    [host('anno.example.com')],
  ),
  regexCase(
    'host header condition with regexValues',
    'rule-path1',
    '[{"field":"host-header","hostHeaderConfig":{"regexValues":["^.+\\\\.example\\\\.com$"]}}]',
    [{ field: 'host-header', regexValues: ['^.+\\.example\\.com$'] }],
  ),
  conditionCase(
    'host header condition - old camelcase case json key',
    'rule-path1',
    '[{"Field":"host-header","HostHeaderConfig":{"Values":["anno.example.com"]}}]',
    [host('anno.example.com')],
  ),
  conditionCase(
    'path pattern condition',
    'rule-path2',
    '[{"field":"path-pattern","pathPatternConfig":{"values":["/anno/path2"]}}]',
    [path('/anno/path2')],
  ),
  regexCase(
    'path pattern condition with regexValues',
    'rule-path2',
    '[{"field":"path-pattern","pathPatternConfig":{"regexValues":["^\\\\/anno\\\\/.+$"]}}]',
    [{ field: 'path-pattern', regexValues: ['^/anno/.+$'] }],
  ),
  conditionCase(
    'path pattern condition - old camelcase case json key',
    'rule-path2',
    '[{"Field":"path-pattern","PathPatternConfig":{"Values":["/anno/path2"]}}]',
    [path('/anno/path2')],
  ),
  conditionCase(
    'http header condition',
    'rule-path3',
    '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName": "HeaderName", "values":["HeaderValue1", "HeaderValue2"]}}]',
    [header],
  ),
  regexCase(
    'http header condition with regexValues',
    'rule-path3',
    '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName": "HeaderName", "regexValues":[".+"]}}]',
    [{ field: 'http-header', httpHeaderName: 'HeaderName', regexValues: ['.+'] }],
  ),
  conditionCase(
    'http header condition - old camelcase case json key',
    'rule-path3',
    '[{"Field":"http-header","HttpHeaderConfig":{"HttpHeaderName": "HeaderName", "Values":["HeaderValue1", "HeaderValue2"]}}]',
    [header],
  ),
  conditionCase(
    'http request method condition',
    'rule-path4',
    '[{"field":"http-request-method","httpRequestMethodConfig":{"values":["GET", "HEAD"]}}]',
    [methods],
  ),
  conditionCase(
    'http request method condition - old camelcase case json key',
    'rule-path4',
    '[{"Field":"http-request-method","HttpRequestMethodConfig":{"Values":["GET", "HEAD"]}}]',
    [methods],
  ),
  conditionCase(
    'query string condition',
    'rule-path5',
    '[{"field":"query-string","queryStringConfig":{"values":[{"key":"paramA","value":"valueA1"},{"key":"paramA","value":"valueA2"}]}}]',
    [query],
  ),
  conditionCase(
    'query string condition - old camelcase case json key',
    'rule-path5',
    '[{"Field":"query-string","QueryStringConfig":{"Values":[{"Key":"paramA","Value":"valueA1"},{"Key":"paramA","Value":"valueA2"}]}}]',
    [query],
  ),
  conditionCase(
    'source IP condition',
    'rule-path6',
    '[{"field":"source-ip","sourceIpConfig":{"values":["192.168.0.0/16", "172.16.0.0/16"]}}]',
    [sourceIp],
  ),
  conditionCase(
    'source IP condition - old camelcase case json key',
    'rule-path6',
    '[{"Field":"source-ip","SourceIpConfig":{"Values":["192.168.0.0/16", "172.16.0.0/16"]}}]',
    [sourceIp],
  ),
  conditionCase(
    'multiple conditions',
    'rule-path7',
    '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName": "HeaderName", "values":["HeaderValue"]}},{"field":"query-string","queryStringConfig":{"values":[{"key":"paramA","value":"valueA"}]}},{"field":"query-string","queryStringConfig":{"values":[{"key":"paramB","value":"valueB"}]}}]',
    multiple,
  ),
  conditionCase(
    'multiple conditions - old camelcase case json key',
    'rule-path7',
    '[{"Field":"http-header","HttpHeaderConfig":{"HttpHeaderName": "HeaderName", "Values":["HeaderValue"]}},{"Field":"query-string","QueryStringConfig":{"Values":[{"Key":"paramA","Value":"valueA"}]}},{"Field":"query-string","QueryStringConfig":{"Values":[{"Key":"paramB","Value":"valueB"}]}}]',
    multiple,
  ),

  actionCase(
    'forward action - simplified schema',
    'forward-single-tg',
    `{"type":"forward","targetGroupARN": "${TG_ARN}"}`,
    { type: 'forward', targetGroups: [{ targetGroup: TG_ARN }] },
    ARN_ADAPTED,
  ),
  actionCase(
    'forward action - simplified schema - old camelcase case json key',
    'forward-single-tg',
    `{"Type":"forward","TargetGroupArn": "${TG_ARN}"}`,
    { type: 'forward', targetGroups: [{ targetGroup: TG_ARN }] },
    ARN_ADAPTED,
  ),
  actionCase(
    'forward action - simplified schema with target group name',
    'forward-single-tg',
    '{"type":"forward","targetGroupName": "tg-name"}',
    { type: 'forward', targetGroups: [{ targetGroup: 'name:tg-name' }] },
  ),
  actionCase(
    'forward action - advanced schema',
    'forward-multiple-tg',
    `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"service-1","servicePort":"http","weight":20},{"serviceName":"service-2","servicePort":80,"weight":20},{"targetGroupARN":"${TG_ARN}","weight":60},{"targetGroupName":"tg-name","weight":80}],"targetGroupStickinessConfig":{"enabled":true,"durationSeconds":200}}}`,
    {
      type: 'forward',
      targetGroups: weighted(
        ['ns-1/ing-1-service-1:http', 20],
        ['ns-1/ing-1-service-2:80', 20],
        [TG_ARN, 60],
        ['name:tg-name', 80],
      ),
      stickiness: { enabled: true, durationSeconds: 200 },
    },
    ARN_ADAPTED,
  ),
  actionCase(
    'forward action - advanced schema - old camelcase case json key',
    'forward-multiple-tg',
    `{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"service-1","ServicePort":"http","Weight":20},{"ServiceName":"service-2","ServicePort":"80","Weight":20},{"TargetGroupArn":"${TG_ARN}","Weight":60}],"TargetGroupStickinessConfig":{"Enabled":true,"DurationSeconds":200}}}`,
    {
      type: 'forward',
      targetGroups: weighted(
        ['ns-1/ing-1-service-1:http', 20],
        ['ns-1/ing-1-service-2:80', 20],
        [TG_ARN, 60],
      ),
      stickiness: { enabled: true, durationSeconds: 200 },
    },
    ARN_ADAPTED,
  ),
  actionCase(
    'forward action - advanced schema - both string format and integer format integers should be supported',
    'forward-multiple-tg',
    '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"service-1","servicePort":"80","weight":40},{"serviceName":"service-2","servicePort":443,"weight":60}]}}',
    {
      type: 'forward',
      targetGroups: weighted(['ns-1/ing-1-service-1:80', 40], ['ns-1/ing-1-service-2:443', 60]),
    },
  ),
  actionCase(
    'redirect action',
    'redirect-to-eks',
    '{"type":"redirect","redirectConfig":{"host":"aws.amazon.com","path":"/eks/","port":"443","protocol":"HTTPS","query":"k=v","statusCode":"HTTP_302"}}',
    eks,
  ),
  actionCase(
    'redirect action - old camelcase case json key',
    'redirect-to-eks',
    '{"Type":"redirect","RedirectConfig":{"Host":"aws.amazon.com","Path":"/eks/","Port":"443","Protocol":"HTTPS","Query":"k=v","StatusCode":"HTTP_302"}}',
    eks,
  ),
  actionCase(
    'redirect action - ssl-redirect',
    'ssl-redirect',
    '{"type":"redirect","redirectConfig":{"port":"443","protocol":"HTTPS","statusCode":"HTTP_301"}}',
    { type: 'redirect', port: '443', protocol: 'HTTPS', statusCode: 'HTTP_301' },
  ),
  actionCase(
    'fixed response action',
    'response-503',
    '{"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain","statusCode":"503","messageBody":"503 error text"}}',
    fixed503,
  ),
  actionCase(
    'fixed response action - old camelcase case json key',
    'response-503',
    '{"Type":"fixed-response","FixedResponseConfig":{"ContentType":"text/plain","StatusCode":"503","MessageBody":"503 error text"}}',
    fixed503,
  ),
];

// ---- Test_defaultEnhancedBackendBuilder_Build: what a backend becomes, including a missing Service or
// action (LBC tolerates both by default: a 503 with its own message; a controller flag turns that off).
const buildSource = `${file}: Test_defaultEnhancedBackendBuilder_Build`;
const SVC_PORT_ADAPTED =
  'svc-1 has a port named http (LBC’s test Service has none; a target group needs one)';
function backendCase(
  name: string,
  backend: { service: string; port: 'http' | 'use-annotation' },
  annotations: Record<string, string>,
  want: NAction,
): ConformanceCase {
  return {
    name,
    source: buildSource,
    adapted: SVC_PORT_ADAPTED,
    stackId: 'awesome-ns/awesome-ing',
    objects: cluster({
      ingresses: [
        ingress('awesome-ns', 'awesome-ing', {
          annotations,
          rules: [rule(undefined, to('/', backend.service, backend.port, 'Prefix'))],
        }),
      ],
      services: [service('awesome-ns', 'svc-1', [http])],
    }),
    lbc: { kind: 'stack', select: (s) => firstRule(s)?.action, equals: want },
  };
}
const missingService: NAction = {
  type: 'fixed-response',
  statusCode: '503',
  contentType: 'text/plain',
  messageBody: 'Backend service does not exist',
};
const missingAction: NAction = { ...missingService, messageBody: 'Backend action does not exist' };
const TOLERATE = 'no flag to refuse a missing backend: it is always a 503 and an admission warning';
const toSvc1: NAction = {
  type: 'forward',
  targetGroups: [{ targetGroup: 'awesome-ns/awesome-ing-svc-1:http' }],
};
const fakeMySvc = {
  'actions.fake-my-svc':
    '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"svc-1","servicePort":"http"}]}}',
};

export const BACKEND_BUILD_CASES: ConformanceCase[] = [
  backendCase('vanilla serviceBackend', { service: 'svc-1', port: 'http' }, {}, toSvc1),
  {
    ...backendCase(
      'vanilla serviceBackend - non-existent service and tolerateNonExistentBackendService==true',
      { service: 'svc-2', port: 'http' },
      {},
      missingService,
    ),
  },
  {
    ...backendCase(
      'vanilla serviceBackend - non-existent service and tolerateNonExistentBackendService==false',
      { service: 'svc-2', port: 'http' },
      {},
      missingService,
    ),
    lbc: { kind: 'error', lbc: 'services "svc-2" not found', problems: [/svc-2/] },
    status: 'deviation',
    deviation: TOLERATE,
    albatross: { kind: 'stack', select: (s) => firstRule(s)?.action, equals: missingService },
  },
  backendCase(
    'annotation-based serviceBackend',
    { service: 'fake-my-svc', port: 'use-annotation' },
    fakeMySvc,
    toSvc1,
  ),
  backendCase(
    'annotation-based serviceBackend - non-existent action and tolerateNonExistentBackendAction==true',
    { service: 'fake-my-svc', port: 'use-annotation' },
    {},
    missingAction,
  ),
  {
    ...backendCase(
      'annotation-based serviceBackend - non-existent action and tolerateNonExistentBackendAction==false',
      { service: 'fake-my-svc', port: 'use-annotation' },
      {},
      missingAction,
    ),
    lbc: {
      kind: 'error',
      lbc: 'missing actions.fake-my-svc configuration',
      problems: [/actions\.fake-my-svc/],
    },
    status: 'deviation',
    deviation: TOLERATE,
    albatross: { kind: 'stack', select: (s) => firstRule(s)?.action, equals: missingAction },
  },
];
