/** The load balancer's in-place settings: desired against observed, as the calls that close the gap. */
import type { LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { DesiredLoadBalancer } from '../../../../shared/model';

export type LoadBalancerChange =
  | { kind: 'subnets'; subnetIds: string[] }
  | { kind: 'securityGroups'; securityGroupIds: string[] }
  | { kind: 'ipAddressType'; ipAddressType: DesiredLoadBalancer['ipAddressType'] };

const sameSet = (a: readonly string[], b: readonly string[]) => {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
};

export function loadBalancerChanges(
  current: LoadBalancer,
  d: DesiredLoadBalancer,
  subnetIds: readonly string[] | undefined,
  securityGroupIds: readonly string[],
): LoadBalancerChange[] {
  const out: LoadBalancerChange[] = [];
  const currentSubnets = (current.AvailabilityZones ?? []).map((z) => z.SubnetId ?? '');
  if (subnetIds && !sameSet(currentSubnets, subnetIds))
    out.push({ kind: 'subnets', subnetIds: [...subnetIds] });
  if (!sameSet(current.SecurityGroups ?? [], securityGroupIds))
    out.push({ kind: 'securityGroups', securityGroupIds: [...securityGroupIds] });
  if ((current.IpAddressType ?? 'ipv4') !== d.ipAddressType)
    out.push({ kind: 'ipAddressType', ipAddressType: d.ipAddressType });
  return out;
}
