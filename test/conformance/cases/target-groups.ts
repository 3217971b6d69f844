/**
 * `model_build_target_group_test.go`: target-group port, health-check path and matcher. LBC tests these
 * steps on a Service port or on the merged Service and Ingress annotations; here one Ingress routes to
 * svc-1 and the one target group is compared. The protocol version comes from
 * `backend-protocol-version`.
 */
import type { V1ServicePort } from '@kubernetes/client-node';
import type { ConformanceCase } from '../case';
import { cluster, ingress, rule, service, to } from '../fixtures';
import type { NStack } from '../neutral';

const file = 'model_build_target_group_test.go';
const TG = 'ns-1/ing-1-svc-1:http';
const tg = (s: NStack) => s.targetGroups[TG];

function oneBackend(
  o: {
    annotations?: Record<string, string>;
    port?: V1ServicePort;
    serviceAnnotations?: Record<string, string>;
  } = {},
) {
  return cluster({
    ingresses: [
      ingress('ns-1', 'ing-1', {
        annotations: o.annotations,
        rules: [rule(undefined, to('/', 'svc-1', 'http', 'Prefix'))],
      }),
    ],
    services: [
      service('ns-1', 'svc-1', [o.port ?? { name: 'http', port: 80, targetPort: 8080, nodePort: 32768 }], {
        annotations: o.serviceAnnotations,
      }),
    ],
  });
}

const portSource = `${file}: Test_defaultModelBuildTask_buildTargetGroupPort`;
const pathSource = `${file}: Test_defaultModelBuildTask_buildTargetGroupHealthCheckPath`;
const matcherSource = `${file}: Test_defaultModelBuildTask_buildTargetGroupHealthCheckMatcher`;

type Version = 'HTTP1' | 'HTTP2' | 'GRPC';
const healthCheck = (
  source: string,
  pick: 'path' | 'matcher',
  name: string,
  version: Version,
  annotation: Record<string, string> | undefined,
  want: unknown,
): ConformanceCase => ({
  name,
  source,
  // LBC merges Service and Ingress annotations before this step; they are on the Ingress here.
  objects: oneBackend({ annotations: { 'backend-protocol-version': version, ...annotation } }),
  lbc: { kind: 'stack', select: (s) => tg(s)?.healthCheck[pick], equals: want },
});

const specSource = `${file}: Test_defaultModelBuildTask_buildTargetGroupSpec`;
const controlPort = (targetType: 'instance' | 'ip'): Record<string, string> => ({
  'target-type': targetType,
  'backend-protocol': 'HTTP',
  'backend-protocol-version': 'HTTP1',
  'target-control-port.svc-1.80': '3000',
});
const controlPortWarning =
  /alb\.ingress\.kubernetes\.io\/target-control-port\.svc-1\.80 is not supported by Albatross/;
/** svc-1 referenced by port number, as LBC's test does. */
function byNumber(annotations: Record<string, string>) {
  return cluster({
    ingresses: [
      ingress('ns-1', 'ing-1', { annotations, rules: [rule(undefined, to('/', 'svc-1', 80, 'Prefix'))] }),
    ],
    services: [service('ns-1', 'svc-1', [{ port: 80, targetPort: 8080, nodePort: 30080 }])],
  });
}

export const TARGET_GROUP_CASES: ConformanceCase[] = [
  {
    name: 'instance target type with target control port should fail',
    source: specSource,
    objects: byNumber(controlPort('instance')),
    lbc: {
      kind: 'error',
      lbc: 'target control port is not supported for instance target target group',
      problems: [/target-control-port/],
    },
    status: 'unsupported',
    unsupported: 'target-control-port',
    albatross: {
      kind: 'stack',
      select: (s) => s.targetGroups['ns-1/ing-1-svc-1:80']?.targetType,
      equals: 'instance',
      warnings: [controlPortWarning],
    },
  },
  {
    name: 'ip target type with target control port should succeed',
    source: specSource,
    objects: byNumber(controlPort('ip')),
    lbc: { kind: 'outside-model', lbc: { targetControlPort: 3000 } },
    status: 'unsupported',
    unsupported: 'target-control-port',
    albatross: {
      kind: 'stack',
      select: (s) => s.targetGroups['ns-1/ing-1-svc-1:80']?.port,
      equals: 8080,
      warnings: [controlPortWarning],
    },
  },
  {
    name: 'instance targetGroup should use nodePort as port',
    source: portSource,
    objects: oneBackend({ annotations: { 'target-type': 'instance' } }),
    lbc: { kind: 'stack', select: (s) => tg(s)?.port, equals: 32768 },
  },
  {
    name: 'ip targetGroup with numeric targetPort should use targetPort as port',
    source: portSource,
    objects: oneBackend({ annotations: { 'target-type': 'ip' } }),
    lbc: { kind: 'stack', select: (s) => tg(s)?.port, equals: 8080 },
  },
  {
    name: 'ip targetGroup with literal targetPort should use 1 as port',
    source: portSource,
    objects: oneBackend({
      annotations: { 'target-type': 'ip' },
      port: { name: 'http', port: 80, targetPort: 'http', nodePort: 32768 },
    }),
    lbc: { kind: 'stack', select: (s) => tg(s)?.port, equals: 1 },
  },

  healthCheck(pathSource, 'path', 'HTTP1, without annotation configured', 'HTTP1', undefined, '/'),
  healthCheck(pathSource, 'path', 'HTTP2, without annotation configured', 'HTTP2', undefined, '/'),
  healthCheck(
    pathSource,
    'path',
    'GRPC, without annotation configured',
    'GRPC',
    undefined,
    '/AWS.ALB/healthcheck',
  ),
  healthCheck(
    pathSource,
    'path',
    'HTTP1, with annotation configured',
    'HTTP1',
    { 'healthcheck-path': '/ping' },
    '/ping',
  ),
  healthCheck(
    pathSource,
    'path',
    'HTTP2, with annotation configured',
    'HTTP2',
    { 'healthcheck-path': '/ping' },
    '/ping',
  ),
  healthCheck(
    pathSource,
    'path',
    'GRPC, with annotation configured',
    'GRPC',
    { 'healthcheck-path': '/package.service/method' },
    '/package.service/method',
  ),

  healthCheck(matcherSource, 'matcher', 'HTTP1, without annotation configured', 'HTTP1', undefined, {
    httpCode: '200',
  }),
  healthCheck(matcherSource, 'matcher', 'HTTP2, without annotation configured', 'HTTP2', undefined, {
    httpCode: '200',
  }),
  healthCheck(matcherSource, 'matcher', 'GRPC, without annotation configured', 'GRPC', undefined, {
    grpcCode: '12',
  }),
  healthCheck(
    matcherSource,
    'matcher',
    'HTTP1, with annotation configured',
    'HTTP1',
    { 'success-codes': '200-300' },
    { httpCode: '200-300' },
  ),
  healthCheck(
    matcherSource,
    'matcher',
    'HTTP2, with annotation configured',
    'HTTP2',
    { 'success-codes': '200-300' },
    { httpCode: '200-300' },
  ),
  healthCheck(
    matcherSource,
    'matcher',
    'GRPC, with annotation configured',
    'GRPC',
    { 'success-codes': '0' },
    {
      grpcCode: '0',
    },
  ),
];
