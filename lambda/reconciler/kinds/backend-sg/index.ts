/**
 * The backend security group kind (SPEC §6.5): the cluster's shared backend SG, attached to every load
 * balancer, and the rules that let it into the targets' security groups. See docs/security-groups.md.
 */

export { syncTargetSecurityGroupRules, type TargetRulesInput, type TargetRulesResult } from './apply';
export {
  BACKEND_SG_DESCRIPTION,
  ensureBackendSecurityGroup,
  findBackendSecurityGroups,
  type ReleaseOutcome,
  releaseBackendSecurityGroup,
} from './backend-group';
export { type BackendSgContext, isPlannedGroupId } from './context';
export { MANAGED_RULE_DESCRIPTION } from './diff';
