/**
 * The neutral stack: what both the AWS Load Balancer Controller's model (its stack JSON, transcribed by
 * hand into the cases) and Albatross's `DesiredStack` (projected here) can be written as.
 *
 * What is left out, and why:
 * - generated target-group names: they hash the Service UID, which the reference cases leave empty and
 *   Albatross replaces with the Service's identity (see README, compatibility);
 * - tracking tags (`elbv2.k8s.aws/cluster`, `ingress.k8s.aws/*`): LBC adds them when deploying, not in the
 *   model; the neutral tags are the user's;
 * - values LBC resolves through AWS calls while building (discovered subnets, the backend security group
 *   id, TargetGroupBindings): Albatross leaves them to the reconciler, so both sides say `discovered`,
 *   `managed`, or name the reference given in the annotation;
 * - targets: LBC registers them through TargetGroupBindings outside the model.
 * A forward to a single target group carries no weight (ALB ignores it). Forward targets are the
 * stack's target groups by resource id, target groups managed elsewhere by ARN, or `name:<name>` (LBC
 * looks the name up while building, Albatross's reconciler when applying).
 */
import type { DesiredStack, RuleCondition } from '../../shared/model';
import { CLUSTER_TAG, RESOURCE_TAG, STACK_TAG } from '../../shared/tags';

export type NCondition = RuleCondition;

export type NAction =
  | {
      type: 'forward';
      targetGroups: { targetGroup: string; weight?: number }[];
      stickiness?: { enabled: boolean; durationSeconds: number };
    }
  | {
      type: 'redirect';
      protocol?: string;
      port?: string;
      host?: string;
      path?: string;
      query?: string;
      statusCode: string;
    }
  | { type: 'fixed-response'; statusCode: string; contentType?: string; messageBody?: string };

export interface NRule {
  priority: number;
  conditions: NCondition[];
  action: NAction;
}

export interface NListener {
  port: number;
  protocol: 'HTTP' | 'HTTPS';
  sslPolicy?: string;
  /** First is the default certificate; every later one goes to the SNI list. */
  certificates: string[];
  defaultAction: NAction;
  rules: NRule[];
}

export interface NHealthCheck {
  port: 'traffic-port' | number;
  protocol: string;
  path: string;
  matcher: { httpCode: string } | { grpcCode: string };
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThresholdCount: number;
  unhealthyThresholdCount: number;
}

export interface NTargetGroup {
  targetType: 'instance' | 'ip';
  ipAddressType: 'ipv4' | 'ipv6';
  port: number;
  protocol: string;
  protocolVersion: string;
  healthCheck: NHealthCheck;
  attributes: Record<string, string>;
  tags: Record<string, string>;
}

export interface NStack {
  loadBalancer: {
    name: string;
    scheme: 'internal' | 'internet-facing';
    ipAddressType: string;
    /** `discovered`, or the ids / Name tags given. */
    subnets: 'discovered' | string[];
    /** `managed` = the stack's own security group (plus the cluster's backend one), or those given. */
    securityGroups: 'managed' | string[];
    attributes: Record<string, string>;
    tags: Record<string, string>;
    wafv2AclArn?: string;
  };
  /** The managed security group: its name and `port cidr` ingress entries, sorted. */
  securityGroup: { name: string; ingress: string[] } | null;
  /** Sorted by port. */
  listeners: NListener[];
  /** Keyed by the `ingress.k8s.aws/resource` id, `<ingNs>/<ingName>-<svcName>:<portAsWritten>`. */
  targetGroups: Record<string, NTargetGroup>;
}

const TRACKING = new Set([CLUSTER_TAG, STACK_TAG, RESOURCE_TAG]);

export function userTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([k]) => !TRACKING.has(k)));
}

/** Drops keys whose value is undefined, so optional fields compare equal to absent ones. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function action(a: DesiredStack['listeners'][number]['defaultAction']): NAction {
  if (a.type === 'forward') {
    const single = a.targetGroups.length === 1;
    return defined({
      type: 'forward' as const,
      targetGroups: a.targetGroups.map((t) => {
        const ref =
          'targetGroup' in t
            ? t.targetGroup
            : 'externalTargetGroupArn' in t
              ? t.externalTargetGroupArn
              : `name:${t.externalTargetGroupName}`;
        return single ? { targetGroup: ref } : { targetGroup: ref, weight: t.weight };
      }),
      stickiness: a.stickiness,
    });
  }
  return defined({ ...a });
}

/** Albatross's model in the neutral form. */
export function project(stack: DesiredStack): NStack {
  const lb = stack.loadBalancer;
  const refs = (r: { kind: 'id'; id: string } | { kind: 'name'; name: string }) =>
    r.kind === 'id' ? r.id : r.name;
  return {
    loadBalancer: defined({
      name: lb.name,
      scheme: lb.scheme,
      ipAddressType: lb.ipAddressType,
      subnets: lb.subnets.kind === 'discover' ? ('discovered' as const) : lb.subnets.refs.map(refs),
      securityGroups:
        lb.securityGroups.kind === 'managed' ? ('managed' as const) : lb.securityGroups.refs.map(refs),
      attributes: lb.attributes,
      tags: userTags(lb.tags),
      wafv2AclArn: lb.wafv2AclArn,
    }),
    securityGroup: stack.securityGroup
      ? {
          name: stack.securityGroup.name,
          ingress: stack.securityGroup.ingress.map((i) => `${i.port} ${i.cidr}`).sort(),
        }
      : null,
    listeners: stack.listeners.map((l) =>
      defined({
        port: l.port,
        protocol: l.protocol,
        sslPolicy: l.sslPolicy,
        certificates: l.certificateArns,
        defaultAction: action(l.defaultAction),
        rules: l.rules.map((r) => ({
          priority: r.priority,
          conditions: r.conditions,
          action: action(r.action),
        })),
      }),
    ),
    targetGroups: Object.fromEntries(
      stack.targetGroups.map((tg) => [
        tg.resourceId,
        {
          targetType: tg.targetType,
          ipAddressType: tg.ipAddressType,
          port: tg.port,
          protocol: tg.protocol,
          protocolVersion: tg.protocolVersion,
          healthCheck: { ...tg.healthCheck },
          attributes: tg.attributes,
          tags: userTags(tg.tags),
        },
      ]),
    ),
  };
}

// ---- Writing expected stacks: small constructors so transcribed cases read like the LBC JSON.

export const forward = (...targetGroups: string[]): NAction => ({
  type: 'forward',
  targetGroups: targetGroups.map((targetGroup) => ({ targetGroup })),
});
export const fixed404: NAction = { type: 'fixed-response', statusCode: '404', contentType: 'text/plain' };
export const sslRedirect = (port: number): NAction => ({
  type: 'redirect',
  protocol: 'HTTPS',
  port: String(port),
  statusCode: 'HTTP_301',
});
export const host = (...values: string[]): NCondition => ({ field: 'host-header', values });
export const path = (...values: string[]): NCondition => ({ field: 'path-pattern', values });

/** Rules with priorities 1, 2, 3… in the order given. */
export function rules(...rs: [NCondition[], NAction][]): NRule[] {
  return rs.map(([conditions, a], i) => ({ priority: i + 1, conditions, action: a }));
}

export const defaultHealthCheck: NHealthCheck = {
  port: 'traffic-port',
  protocol: 'HTTP',
  path: '/',
  matcher: { httpCode: '200' },
  intervalSeconds: 15,
  timeoutSeconds: 5,
  healthyThresholdCount: 2,
  unhealthyThresholdCount: 2,
};
