/** The reconciler's typed failures, and how SDK errors map onto the SPEC's reasons. */

import { awsErrorCode, THROTTLING_CODES } from '../../aws/errors';
import type { FailureReason, ReconcileError } from '../../shared/messages';

export { awsErrorCode };

/** Thrown inside the reconciler only; `reconcileStack` turns it into a `Failed` outcome. */
export class ReconcileFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
    readonly resource?: string,
    readonly awsCode?: string,
  ) {
    super(message);
  }
}

const LIMITS = new Set([
  'TooManyLoadBalancers',
  'TooManyTargetGroups',
  'TooManyRules',
  'TooManyListeners',
  'TooManyTargets',
  'TooManyCertificates',
  'TooManyTags',
  'TooManyActions',
  'TooManyRegistrationsForTargetId',
  'RulesPerSecurityGroupLimitExceeded',
  'SecurityGroupLimitExceeded',
]);

export function toReconcileError(err: unknown): ReconcileError {
  if (err instanceof ReconcileFailure) {
    return {
      reason: err.reason,
      message: err.message,
      ...(err.awsCode ? { awsCode: err.awsCode } : {}),
      ...(err.resource ? { resource: err.resource } : {}),
    };
  }
  const code = awsErrorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === undefined) return { reason: 'Internal', message };
  const reason: FailureReason = THROTTLING_CODES.has(code)
    ? 'Throttled'
    : LIMITS.has(code)
      ? 'LimitExceeded'
      : code === 'AccessDenied' || code === 'AccessDeniedException' || code === 'UnauthorizedOperation'
        ? 'AccessDenied'
        : code.endsWith('NotFound') || code.startsWith('InvalidGroup.NotFound')
          ? 'NotFound'
          : 'AwsError';
  return { reason, message, awsCode: code };
}
