/**
 * What one run learns and resolves as it goes through the kinds in order: the observed load balancer,
 * subnets and VPC, and a map from each desired resource to its ARN (known, or pending in plan mode).
 */
import type { LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TaggedResource } from '../../aws/tagged-resources';
import type { DesiredStack, Tags } from '../../shared/model';
import type { Ref } from './context';
import type { PartName } from './parts';

/** Which parts of the stack this run converges: all of them, or only those whose digest moved. */
export type Scope = { kind: 'all' } | { kind: 'parts'; parts: ReadonlySet<PartName> };
export const inScope = (s: Scope, part: PartName): boolean => s.kind === 'all' || s.parts.has(part);

/**
 * Thrown by a part-scoped run that meets something the parts did not predict (a resource gone behind
 * our back): the run starts over converging everything.
 */
export class NeedsFullReconcile extends Error {
  override name = 'NeedsFullReconcile';
}

export interface StackState {
  readonly desired: DesiredStack;
  scope: Scope;
  /** The stack's resources found by tag; loaded in full runs (and deletion), never in part runs. */
  tagged: readonly TaggedResource[];
  /** The load balancer found by name before the run (with its tags), if any. */
  current: { lb: LoadBalancer; tags: Tags } | undefined;
  /** The load balancer the stack keeps (same scheme); undefined until created, or in plan mode. */
  lb: LoadBalancer | undefined;
  lbRef: Ref;
  /** The stack's other load balancers (another scheme): deleted before the new one is created. */
  replaced: LoadBalancer[];
  subnets: { ids: string[]; vpcId?: string } | undefined;
  vpcId: string | undefined;
  /** The load balancer's security groups, in order. */
  securityGroups: Ref[];
  /** resourceId → ARN of the stack's target groups. */
  targetGroups: Map<string, Ref>;
  /** External target groups referenced by name → ARN. */
  externalTargetGroups: Map<string, string>;
}
