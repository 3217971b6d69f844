/**
 * Resources found by tag with the Resource Groups Tagging API: one paged call covers load balancers,
 * target groups and security groups at once, so a stack whose load balancer is already gone (a deletion
 * cut short) is still found. The API is eventually consistent: a resource created seconds ago may be
 * missing, so callers find what they create by name too and use this for what names cannot find.
 */
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import type { Tags } from '../shared/model';
import type { AwsClients } from './clients';

export type TaggedKind = 'loadBalancer' | 'targetGroup' | 'securityGroup';

export interface TaggedResource {
  kind: TaggedKind;
  /** ELBv2 ARN, or the security group's id. */
  id: string;
  arn: string;
  tags: Tags;
}

const TYPE_FILTERS = [
  'elasticloadbalancing:loadbalancer',
  'elasticloadbalancing:targetgroup',
  'ec2:security-group',
];

function kindOf(arn: string): { kind: TaggedKind; id: string } | undefined {
  if (/:loadbalancer\/app\//.test(arn)) return { kind: 'loadBalancer', id: arn };
  if (/:targetgroup\//.test(arn)) return { kind: 'targetGroup', id: arn };
  const sg = /:security-group\/(sg-[0-9a-z]+)$/.exec(arn);
  return sg ? { kind: 'securityGroup', id: sg[1]! } : undefined;
}

/** Every load balancer, target group and security group carrying all of `tags` (key = value). */
export async function taggedResources(c: AwsClients, tags: Tags): Promise<TaggedResource[]> {
  const out: TaggedResource[] = [];
  let PaginationToken: string | undefined;
  do {
    const r = await c.tagging.send(
      new GetResourcesCommand({
        TagFilters: Object.entries(tags).map(([Key, Value]) => ({ Key, Values: [Value] })),
        ResourceTypeFilters: TYPE_FILTERS,
        ...(PaginationToken ? { PaginationToken } : {}),
      }),
    );
    for (const m of r.ResourceTagMappingList ?? []) {
      const k = m.ResourceARN ? kindOf(m.ResourceARN) : undefined;
      if (!k || !m.ResourceARN) continue;
      out.push({
        ...k,
        arn: m.ResourceARN,
        tags: Object.fromEntries((m.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
      });
    }
    PaginationToken = r.PaginationToken || undefined;
  } while (PaginationToken);
  return out;
}
