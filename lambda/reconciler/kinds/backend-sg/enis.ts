/**
 * The network interfaces behind targets, as the LBC resolves them: an instance's primary interface
 * (device index 0), and for a pod IP the interface that owns the address.
 */
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  type Filter,
  type NetworkInterface,
} from '@aws-sdk/client-ec2';
import type { AwsClients } from '../../../../aws/clients';

export interface TargetInterface {
  eniId: string;
  groupIds: string[];
}

/** EC2 takes up to 200 values per filter; one filter is the VPC. */
const FILTER_VALUES = 199;

const chunks = <T>(xs: readonly T[], n: number): T[][] =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

/** Instance id → its primary interface. Unknown (terminated) instances are simply absent. */
export async function instanceInterfaces(
  c: AwsClients,
  instanceIds: readonly string[],
): Promise<Map<string, TargetInterface>> {
  const out = new Map<string, TargetInterface>();
  for (const chunk of chunks([...new Set(instanceIds)], FILTER_VALUES)) {
    let NextToken: string | undefined;
    do {
      // A filter (not InstanceIds) so that one terminated node does not fail the whole call.
      const r = await c.ec2.send(
        new DescribeInstancesCommand({
          Filters: [{ Name: 'instance-id', Values: chunk }],
          MaxResults: 1000,
          NextToken,
        }),
      );
      for (const i of (r.Reservations ?? []).flatMap((x) => x.Instances ?? [])) {
        const primary = (i.NetworkInterfaces ?? []).find((n) => n.Attachment?.DeviceIndex === 0);
        if (!i.InstanceId || !primary?.NetworkInterfaceId) continue;
        out.set(i.InstanceId, {
          eniId: primary.NetworkInterfaceId,
          groupIds: (primary.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
        });
      }
      NextToken = r.NextToken;
    } while (NextToken);
  }
  return out;
}

async function describeInterfaces(c: AwsClients, Filters: Filter[]): Promise<NetworkInterface[]> {
  const out: NetworkInterface[] = [];
  let NextToken: string | undefined;
  do {
    const r = await c.ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters, MaxResults: 1000, NextToken }),
    );
    out.push(...(r.NetworkInterfaces ?? []));
    NextToken = r.NextToken;
  } while (NextToken);
  return out;
}

const asTarget = (n: NetworkInterface): TargetInterface => ({
  eniId: n.NetworkInterfaceId ?? '',
  groupIds: (n.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
});

const ipv4ToInt = (ip: string): number => ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);

/** True when IPv4 `ip` lies in `cidr` (prefix delegation hands pods addresses out of /28 prefixes). */
function inIpv4Prefix(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  if (!base || bits === undefined || ip.includes(':')) return false;
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipv4ToInt(base) / size) * size;
  const n = ipv4ToInt(ip);
  return n >= start && n < start + size;
}

/** Every address `n` answers for: primary and secondary IPv4, IPv6, and delegated IPv4 prefixes. */
export function owns(n: NetworkInterface, ip: string): boolean {
  return (
    (n.PrivateIpAddresses ?? []).some((a) => a.PrivateIpAddress === ip) ||
    n.PrivateIpAddress === ip ||
    (n.Ipv6Addresses ?? []).some((a) => a.Ipv6Address === ip) ||
    (n.Ipv4Prefixes ?? []).some((p) => p.Ipv4Prefix !== undefined && inIpv4Prefix(ip, p.Ipv4Prefix))
  );
}

/**
 * Pod IP → the interface that owns it. First by address filter (⌈IPs/199⌉ calls, as the LBC does); the
 * IPs still unknown after that (addresses out of a delegated prefix on AWS; secondary addresses in moto,
 * whose filter matches primaries only) are looked for in one paged scan of the VPC's interfaces
 * (⌈interfaces/1000⌉ calls), which is correct everywhere. IPs no interface owns (a pod that just went)
 * are absent from the answer.
 */
export async function podInterfaces(
  c: AwsClients,
  vpcId: string,
  ips: readonly string[],
): Promise<Map<string, TargetInterface>> {
  const out = new Map<string, TargetInterface>();
  const unique = [...new Set(ips)];
  for (const [family, key] of [
    [unique.filter((ip) => !ip.includes(':')), 'addresses.private-ip-address'],
    [unique.filter((ip) => ip.includes(':')), 'ipv6-addresses.ipv6-address'],
  ] as const) {
    for (const chunk of chunks(family, FILTER_VALUES)) {
      const found = await describeInterfaces(c, [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: key, Values: chunk },
      ]);
      for (const n of found) for (const ip of chunk) if (owns(n, ip)) out.set(ip, asTarget(n));
    }
  }
  const missing = unique.filter((ip) => !out.has(ip));
  if (missing.length > 0) {
    for (const n of await describeInterfaces(c, [{ Name: 'vpc-id', Values: [vpcId] }])) {
      for (const ip of missing) if (!out.has(ip) && owns(n, ip)) out.set(ip, asTarget(n));
    }
  }
  return out;
}
