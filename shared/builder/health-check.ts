/**
 * A target group's health check (SPEC §3): the layered annotations with the defaults of the protocol
 * version (GRPC has its own path and codes), checked once the layers are merged.
 */
import type { V1Service } from '@kubernetes/client-node';
import { ANNOTATION_PREFIX, type BackendSettings } from '../annotations/types';
import type { HealthCheck, Protocol, ProtocolVersion, TargetType } from '../model';
import type { FieldProblem } from '../problems';

const key = (k: string) => `${ANNOTATION_PREFIX}${k}`;

export interface HealthCheckInput {
  /** The Ingress's own settings and the Service's own, to know who set what. */
  ingress: BackendSettings;
  service: BackendSettings;
  /** The two layered (and the class applied): the values in force. */
  merged: BackendSettings;
  svc: V1Service;
  targetType: TargetType;
  protocol: Protocol;
  protocolVersion: ProtocolVersion;
}

export type HealthCheckResult =
  | { ok: true; healthCheck: HealthCheck }
  /** `serviceProblems` belong to the Service's annotations, `problems` to the Ingress's. */
  | { ok: false; problems: FieldProblem[]; serviceProblems: FieldProblem[] };

export function buildHealthCheck(i: HealthCheckInput): HealthCheckResult {
  const s = i.merged;
  const svcRef = `${i.svc.metadata?.namespace ?? 'default'}/${i.svc.metadata?.name ?? ''}`;
  const timing = checkHealthcheckTiming(i.ingress, i.service, svcRef);
  if (timing?.on === 'service') return { ok: false, problems: [], serviceProblems: [timing.problem] };
  const problems: FieldProblem[] = timing ? [timing.problem] : [];
  const grpc = i.protocolVersion === 'GRPC';
  const codes = s.successCodes ?? (grpc ? '12' : '200');
  const [lo, hi] = grpc ? [0, 99] : [200, 499];
  const outOfRange = codes
    .split(/[,-]/)
    .map(Number)
    .some((c) => c < lo || c > hi);
  if (outOfRange) {
    problems.push({
      field: key('success-codes'),
      value: codes,
      expected: `codes from ${lo} to ${hi} for backend-protocol-version ${i.protocolVersion}`,
    });
  }
  const hcPort = resolveHealthcheckPort(s.healthcheckPort ?? 'traffic-port', i.svc, i.targetType);
  if (!hcPort.ok)
    problems.push({
      field: key('healthcheck-port'),
      value: String(s.healthcheckPort),
      expected: hcPort.expected,
    });
  if (problems.length > 0 || !hcPort.ok) return { ok: false, problems, serviceProblems: [] };
  return {
    ok: true,
    healthCheck: {
      protocol: s.healthcheckProtocol ?? i.protocol,
      port: hcPort.port,
      path: s.healthcheckPath ?? (grpc ? '/AWS.ALB/healthcheck' : '/'),
      intervalSeconds: s.healthcheckIntervalSeconds ?? DEFAULT_INTERVAL,
      timeoutSeconds: s.healthcheckTimeoutSeconds ?? DEFAULT_TIMEOUT,
      healthyThresholdCount: s.healthyThresholdCount ?? 2,
      unhealthyThresholdCount: s.unhealthyThresholdCount ?? 2,
      matcher: grpc ? { grpcCode: codes } : { httpCode: codes },
    },
  };
}

type Layer = 'ingress' | 'service' | 'default';
const DEFAULT_INTERVAL = 15;
const DEFAULT_TIMEOUT = 5;

/**
 * The timeout must stay below the interval once the layers are merged. The mistake belongs to whoever
 * set the timeout (or the interval, when the timeout is the default); when one object set both values
 * its own annotations were already denied by the parser, so it is not reported a second time here. The
 * text names where the other value came from and never the target group, so the same mistake reached
 * through several target groups stays one problem.
 */
function checkHealthcheckTiming(
  ingress: BackendSettings,
  service: BackendSettings,
  svcRef: string,
): { on: 'ingress' | 'service'; problem: FieldProblem } | undefined {
  const layer = (k: 'healthcheckIntervalSeconds' | 'healthcheckTimeoutSeconds'): Layer =>
    service[k] !== undefined ? 'service' : ingress[k] !== undefined ? 'ingress' : 'default';
  const intervalFrom = layer('healthcheckIntervalSeconds');
  const timeoutFrom = layer('healthcheckTimeoutSeconds');
  const interval =
    service.healthcheckIntervalSeconds ?? ingress.healthcheckIntervalSeconds ?? DEFAULT_INTERVAL;
  const timeout = service.healthcheckTimeoutSeconds ?? ingress.healthcheckTimeoutSeconds ?? DEFAULT_TIMEOUT;
  if (timeout < interval || intervalFrom === timeoutFrom) return undefined;
  const source = (l: Layer) =>
    l === 'default' ? 'the default' : l === 'service' ? `set on Service ${svcRef}` : 'set on the Ingress';
  if (timeoutFrom === 'default') {
    return {
      on: intervalFrom as 'ingress' | 'service',
      problem: {
        field: key('healthcheck-interval-seconds'),
        value: String(interval),
        expected: `more than healthcheck-timeout-seconds (${timeout}, ${source(timeoutFrom)})`,
      },
    };
  }
  return {
    on: timeoutFrom,
    problem: {
      field: key('healthcheck-timeout-seconds'),
      value: String(timeout),
      expected: `less than healthcheck-interval-seconds (${interval}, ${source(intervalFrom)})`,
    },
  };
}

function resolveHealthcheckPort(
  hc: 'traffic-port' | number | string,
  svc: V1Service,
  targetType: 'instance' | 'ip',
): { ok: true; port: 'traffic-port' | number } | { ok: false; expected: string } {
  if (hc === 'traffic-port' || typeof hc === 'number') return { ok: true, port: hc };
  const named = svc.spec?.ports?.find((p) => p.name === hc);
  const svcRef = `${svc.metadata?.namespace ?? 'default'}/${svc.metadata?.name ?? ''}`;
  if (!named) return { ok: false, expected: `traffic-port, a number, or a port name of ${svcRef}` };
  if (targetType === 'instance') {
    return named.nodePort
      ? { ok: true, port: named.nodePort }
      : { ok: false, expected: `a port of ${svcRef} with a nodePort` };
  }
  const tp = named.targetPort ?? named.port;
  if (typeof tp === 'number') return { ok: true, port: tp };
  return /^\d+$/.test(tp)
    ? { ok: true, port: Number(tp) }
    : { ok: false, expected: `a numeric port: the targetPort of ${svcRef} port ${hc} is the name "${tp}"` };
}
