/** One tag diff for every kind: ELBv2 resources and EC2 security groups alike. */
import { CreateTagsCommand, DeleteTagsCommand } from '@aws-sdk/client-ec2';
import { AddTagsCommand, RemoveTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Tags } from '../../shared/model';
import type { ResourceKind } from './changes';
import type { Ctx } from './context';

export interface TagDiff {
  set: [string, string][];
  remove: string[];
}

/**
 * What to set and remove so `have` becomes `want`. Keys in `keep` (tags the reconciler writes itself at
 * the end, such as the digest) and `aws:` keys (AWS's own) are never removed.
 */
export function diffTags(have: Tags, want: Tags, keep: ReadonlySet<string> = new Set()): TagDiff {
  return {
    set: Object.entries(want).filter(([k, v]) => have[k] !== v),
    remove: Object.keys(have).filter(
      (k) => !(k in want) && !k.toLowerCase().startsWith('aws:') && !keep.has(k),
    ),
  };
}

export const toSdkTags = (t: Tags) => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));

interface Target {
  kind: ResourceKind;
  /** How a person knows the resource. */
  name: string;
  /** ELBv2 ARN, or EC2 resource id. */
  id: string;
  service: 'elbv2' | 'ec2';
}

/** Applies `diffTags(have, want, keep)` with at most one set and one remove call. */
export async function syncTags(ctx: Ctx, r: Target, have: Tags, want: Tags, keep?: ReadonlySet<string>) {
  const d = diffTags(have, want, keep);
  const { elbv2, ec2 } = ctx.clients;
  if (d.set.length) {
    await ctx.write(
      {
        action: 'update',
        kind: 'Tags',
        resource: r.name,
        detail: `${r.kind} tags ${d.set.map(([k]) => k).join(', ')}`,
      },
      () =>
        r.service === 'elbv2'
          ? elbv2.send(
              new AddTagsCommand({
                ResourceArns: [r.id],
                Tags: d.set.map(([Key, Value]) => ({ Key, Value })),
              }),
            )
          : ec2.send(
              new CreateTagsCommand({
                Resources: [r.id],
                Tags: d.set.map(([Key, Value]) => ({ Key, Value })),
              }),
            ),
    );
  }
  if (d.remove.length) {
    await ctx.write(
      { action: 'update', kind: 'Tags', resource: r.name, detail: `${r.kind} untag ${d.remove.join(', ')}` },
      () =>
        r.service === 'elbv2'
          ? elbv2.send(new RemoveTagsCommand({ ResourceArns: [r.id], TagKeys: d.remove }))
          : ec2.send(new DeleteTagsCommand({ Resources: [r.id], Tags: d.remove.map((Key) => ({ Key })) })),
    );
  }
}
