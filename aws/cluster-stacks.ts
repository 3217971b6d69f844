/** Which stacks of a cluster exist on AWS: for `--prune`, the webhook's orphan sweep and `status`. */
import { CLUSTER_TAG, STACK_TAG } from '../shared/tags';
import type { AwsClients } from './clients';
import { allLoadBalancers, TagCache } from './discovery';

/** Stack ids of the load balancers tagged for `cluster` (for `--prune` and orphan detection). */
export async function listClusterStacks(clients: AwsClients, cluster: string): Promise<string[]> {
  const all = await allLoadBalancers(clients);
  const tags = await new TagCache(clients).of(all.map((lb) => lb.LoadBalancerArn ?? ''));
  const ids = new Set<string>();
  for (const t of tags.values()) if (t[CLUSTER_TAG] === cluster && t[STACK_TAG]) ids.add(t[STACK_TAG]);
  return [...ids].sort();
}
