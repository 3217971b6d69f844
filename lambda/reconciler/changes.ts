/**
 * What a reconcile does, as data. Every write goes through a `Write`, which records the change and sends
 * it unless planning: that one seam is what makes `planStack` a dry run of the same code.
 */

export type ResourceKind =
  | 'SecurityGroup'
  | 'BackendSecurityGroup'
  | 'TargetSecurityGroupRule'
  | 'TargetGroup'
  | 'Targets'
  | 'LoadBalancer'
  | 'Listener'
  | 'Rule'
  | 'Tags';

export interface Change {
  action: 'create' | 'update' | 'delete';
  kind: ResourceKind;
  /** A name a person recognises (resource name, `HTTP:80`, `HTTPS:443 priority 3`). */
  resource: string;
  detail?: string;
}

/** Records `change`; sends `send()` unless planning (then resolves to undefined). */
export type Write = <T>(change: Change, send: () => Promise<T>) => Promise<T | undefined>;
