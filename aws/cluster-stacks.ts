/** Which stacks of a cluster exist on AWS: for `--prune`, the webhook's orphan sweep and `status`. */
import { CLUSTER_TAG, STACK_TAG } from '../shared/tags';
import type { AwsClients } from './clients';
import { taggedResources } from './tagged-resources';

/**
 * Stack ids with any tagged resource left — a load balancer, a target group or a security group — so a
 * stack whose deletion stopped after its load balancer went is still found and finished.
 */
export async function listClusterStacks(clients: AwsClients, cluster: string): Promise<string[]> {
  const found = await taggedResources(clients, { [CLUSTER_TAG]: cluster });
  return [...new Set(found.flatMap((r) => (r.tags[STACK_TAG] ? [r.tags[STACK_TAG]] : [])))].sort();
}
