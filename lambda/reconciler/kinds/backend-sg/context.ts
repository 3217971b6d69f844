/** What the backend-SG kind needs from a reconcile: clients, the cluster, and the one write seam. */
import type { AwsClients } from '../../../../aws/clients';
import type { Write } from '../../changes';

export interface BackendSgContext {
  clients: AwsClients;
  cluster: string;
  /** Every write goes through it, so planning records the same writes instead of sending them. */
  write: Write;
  /** Waits (ms) between DeleteSecurityGroup attempts while AWS reports DependencyViolation. */
  deleteDelaysMs?: readonly number[];
}

const PLANNED_PREFIX = 'planned:';

/** The id a plan uses for a backend security group it would create; never sent to AWS. */
export const plannedGroupId = (name: string): string => `${PLANNED_PREFIX}${name}`;
export const isPlannedGroupId = (id: string): boolean => id.startsWith(PLANNED_PREFIX);
