/** Target groups and their targets: desired against observed, as plain data. */
import type { TargetDescription, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { DesiredTargetGroup, Tags } from '../../../../shared/model';
import { RESOURCE_TAG } from '../../../../shared/tags';

/** The health check as the ELBv2 parameters CreateTargetGroup and ModifyTargetGroup share. */
export const healthCheckParams = (hc: DesiredTargetGroup['healthCheck']) => ({
  HealthCheckProtocol: hc.protocol,
  HealthCheckPort: String(hc.port),
  HealthCheckPath: hc.path,
  HealthCheckIntervalSeconds: hc.intervalSeconds,
  HealthCheckTimeoutSeconds: hc.timeoutSeconds,
  HealthyThresholdCount: hc.healthyThresholdCount,
  UnhealthyThresholdCount: hc.unhealthyThresholdCount,
  Matcher: 'grpcCode' in hc.matcher ? { GrpcCode: hc.matcher.grpcCode } : { HttpCode: hc.matcher.httpCode },
});

/**
 * Whether an existing target group *is* the desired one. Protocol, version, target type and port cannot
 * change in place (a change means a new group), and all of them are in the name; LBC-made groups are
 * matched by their resource tag and shape as well.
 */
export function isSameTargetGroup(tg: TargetGroup, tags: Tags, d: DesiredTargetGroup): boolean {
  const shape =
    tg.Protocol === d.protocol &&
    (tg.ProtocolVersion ?? 'HTTP1') === d.protocolVersion &&
    tg.TargetType === d.targetType &&
    tg.Port === d.port;
  return shape && (tg.TargetGroupName === d.name || tags[RESOURCE_TAG] === d.resourceId);
}

export function healthCheckDiffers(tg: TargetGroup, d: DesiredTargetGroup): boolean {
  const hc = d.healthCheck;
  const matcher =
    'grpcCode' in hc.matcher
      ? tg.Matcher?.GrpcCode === hc.matcher.grpcCode
      : tg.Matcher?.HttpCode === hc.matcher.httpCode;
  return !(
    tg.HealthCheckProtocol === hc.protocol &&
    tg.HealthCheckPort === String(hc.port) &&
    (tg.HealthCheckPath ?? '/') === hc.path &&
    tg.HealthCheckIntervalSeconds === hc.intervalSeconds &&
    tg.HealthCheckTimeoutSeconds === hc.timeoutSeconds &&
    tg.HealthyThresholdCount === hc.healthyThresholdCount &&
    tg.UnhealthyThresholdCount === hc.unhealthyThresholdCount &&
    matcher
  );
}

/** Only keys the annotations name are reconciled; everything else stays as AWS has it. */
export function diffAttributes(
  have: Readonly<Record<string, string>>,
  want: Readonly<Record<string, string>>,
) {
  return Object.entries(want).filter(([k, v]) => have[k] !== v);
}

export interface TargetChanges {
  register: { Id: string; Port: number }[];
  deregister: { Id: string; Port?: number }[];
}

/** Registered targets → desired ones. A target without a port is on the group's port. */
export function diffTargets(current: readonly TargetDescription[], d: DesiredTargetGroup): TargetChanges {
  const k = (id: string, port: number | undefined) => `${id}:${port ?? d.port}`;
  const have = new Set(current.map((t) => k(t.Id ?? '', t.Port)));
  const want = new Set(d.targets.map((t) => k(t.id, t.port)));
  return {
    register: d.targets.filter((t) => !have.has(k(t.id, t.port))).map((t) => ({ Id: t.id, Port: t.port })),
    deregister: current
      .filter((t) => !want.has(k(t.Id ?? '', t.Port)))
      .map((t) => ({ Id: t.Id ?? '', ...(t.Port !== undefined ? { Port: t.Port } : {}) })),
  };
}

export function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
