/**
 * The managed security group (SPEC §6.4): TCP on each listen port from the port's inbound CIDRs, or
 * from everywhere (IPv4, plus IPv6 on a dualstack load balancer). None when the user names their own.
 */
import type { DesiredSecurityGroup } from '../model';
import { securityGroupName } from '../names';
import { RESOURCE_ID, resourceTags } from '../tags';
import type { BuildContext } from './context';
import type { PortPlan } from './listeners';
import type { GroupSettings } from './members';

export function managedSecurityGroup(
  ctx: BuildContext,
  settings: GroupSettings,
  plans: readonly PortPlan[],
): DesiredSecurityGroup | null {
  if (settings.securityGroups) return null;
  const everywhere = settings.ipAddressType === 'dualstack' ? ['0.0.0.0/0', '::/0'] : ['0.0.0.0/0'];
  return {
    name: securityGroupName(ctx.cluster, ctx.group, ctx.stackId),
    description: `[k8s] Managed SecurityGroup for LoadBalancer ${ctx.stackId}`,
    ingress: plans.flatMap((p) => (p.cidrs?.v ?? everywhere).map((cidr) => ({ port: p.port, cidr }))),
    tags: resourceTags(ctx.cluster, ctx.stackId, RESOURCE_ID.securityGroup, settings.userTags),
  };
}
