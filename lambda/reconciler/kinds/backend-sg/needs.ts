/**
 * Which ports the targets need opened, and on which security group (pure). Mirrors the LBC's target
 * group binding networking: tcp from the backend SG on the traffic port (instance: the nodePort, which is
 * the target group's port; ip: each target's port, the real one when the Service names its targetPort)
 * and on the health-check port when it is not `traffic-port`.
 */
import type { DesiredTargetGroup, Tags } from '../../../../shared/model';
import { kubernetesClusterTag } from '../../../../shared/tags';
import type { PortNeed } from './diff';

const numericHealthCheckPort = (tg: DesiredTargetGroup): number | undefined =>
  tg.healthCheck.port === 'traffic-port' ? undefined : tg.healthCheck.port;

/** Every port `tg` makes the load balancer connect to, whichever security group its targets are behind. */
export function portsOf(tg: DesiredTargetGroup): number[] {
  const ports = new Set<number>();
  if (tg.targetType === 'instance') ports.add(tg.port);
  for (const t of tg.targets) ports.add(t.port);
  const hc = numericHealthCheckPort(tg);
  if (hc !== undefined) ports.add(hc);
  return [...ports].sort((a, b) => a - b);
}

/**
 * The needs of `tg`: for every target whose security group is known (`groupOf` by instance id or IP),
 * its traffic port and the health-check port on that group.
 */
export function needsOf(
  tg: DesiredTargetGroup,
  groupOf: (targetId: string) => string | undefined,
): PortNeed[] {
  const hc = numericHealthCheckPort(tg);
  const out: PortNeed[] = [];
  for (const t of tg.targets) {
    const groupId = groupOf(t.id);
    if (!groupId) continue;
    out.push({ groupId, port: tg.targetType === 'instance' ? tg.port : t.port });
    if (hc !== undefined) out.push({ groupId, port: hc });
  }
  return out;
}

/** A target group of the cluster as ELBv2 describes it (another stack's, or one the LBC made). */
export interface ObservedTargetGroup {
  port?: number;
  healthCheckPort?: string;
  targetType?: string;
  /** Registered targets' ports; read only for ip target groups whose port (1) stands for a named port. */
  targetPorts?: readonly number[];
}

/** True when the target group's port is a placeholder and the real ports are the targets'. */
export const portIsPlaceholder = (tg: ObservedTargetGroup): boolean =>
  tg.targetType === 'ip' && tg.port === 1;

export function portsOfObserved(tg: ObservedTargetGroup): number[] {
  const ports = new Set<number>(tg.targetPorts ?? []);
  if (tg.port !== undefined && !portIsPlaceholder(tg)) ports.add(tg.port);
  const hc = Number(tg.healthCheckPort);
  if (tg.healthCheckPort && Number.isInteger(hc)) ports.add(hc);
  return [...ports];
}

/** `none`: the interface has no security group at all (impossible on AWS; moto's default) — nothing to open. */
export type TargetGroupChoice = { groupId: string } | { conflict: string } | { none: true };

/**
 * The security group to open on a target's network interface, as the LBC picks it: the only one, else the
 * one tagged `kubernetes.io/cluster/<cluster>`; anything else is a conflict a person must resolve.
 */
export function chooseTargetSecurityGroup(
  eni: { id: string; groupIds: readonly string[] },
  tagsOf: (groupId: string) => Tags | undefined,
  cluster: string,
): TargetGroupChoice {
  if (eni.groupIds.length === 0) return { none: true };
  if (eni.groupIds.length === 1) return { groupId: eni.groupIds[0]! };
  const key = kubernetesClusterTag(cluster);
  const tagged = eni.groupIds.filter((g) => tagsOf(g)?.[key] !== undefined);
  if (tagged.length === 1) return { groupId: tagged[0]! };
  const groups = eni.groupIds.join(', ');
  return {
    conflict:
      `network interface ${eni.id} has security groups ${groups}, and ${tagged.length === 0 ? 'none' : `${tagged.length} (${tagged.join(', ')})`} ` +
      `of them ${tagged.length === 1 ? 'is' : 'are'} tagged ${key}; tag exactly one so the load balancer's traffic can be allowed in`,
  };
}
