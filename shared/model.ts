/**
 * The desired state of one IngressGroup on AWS: what the model builder produces and what the reconciler
 * converges to. Zod schemas are the single source of truth: the TypeScript types are inferred from them
 * and the same schemas validate snapshots at both ends of the queue.
 */
import * as z from 'zod';

export const Scheme = z.enum(['internal', 'internet-facing']);
export const IpAddressType = z.enum(['ipv4', 'dualstack']);
export const TargetType = z.enum(['instance', 'ip']);
export const Protocol = z.enum(['HTTP', 'HTTPS']);
export const ProtocolVersion = z.enum(['HTTP1', 'HTTP2', 'GRPC']);
export type Scheme = z.infer<typeof Scheme>;
export type IpAddressType = z.infer<typeof IpAddressType>;
export type TargetType = z.infer<typeof TargetType>;
export type Protocol = z.infer<typeof Protocol>;
export type ProtocolVersion = z.infer<typeof ProtocolVersion>;

/** AWS tags as a plain map; tracking tags already merged over user tags by the model. */
export const Tags = z.record(z.string(), z.string());
export type Tags = z.infer<typeof Tags>;

// ---------------------------------------------------------------------------------------------------
// Actions and conditions (ELBv2 shapes, camel-cased; the reconciler maps them 1:1 to the SDK)

const Weight = z.number().int().min(0).max(999);
/**
 * Where a forward action sends traffic: a target group of this stack, by its `resourceId` (never an ARN),
 * or one managed elsewhere (LBC's `targetGroupARN` / `targetGroupName`: blue/green with target groups
 * another tool owns), which the reconciler references but never modifies.
 */
export const WeightedTargetGroup = z.union([
  z.object({ targetGroup: z.string(), weight: Weight }),
  z.object({ externalTargetGroupArn: z.string(), weight: Weight }),
  z.object({ externalTargetGroupName: z.string(), weight: Weight }),
]);
export type WeightedTargetGroup = z.infer<typeof WeightedTargetGroup>;

export const ForwardAction = z.object({
  type: z.literal('forward'),
  /** `targetGroup` is the target group's `resourceId` inside this stack (never an ARN). */
  targetGroups: z.array(WeightedTargetGroup).min(1),
  stickiness: z
    .object({ enabled: z.boolean(), durationSeconds: z.number().int().min(1).max(604800) })
    .optional(),
});
export const RedirectAction = z.object({
  type: z.literal('redirect'),
  protocol: z.string().optional(),
  port: z.string().optional(),
  host: z.string().optional(),
  path: z.string().optional(),
  query: z.string().optional(),
  statusCode: z.enum(['HTTP_301', 'HTTP_302']),
});
export const FixedResponseAction = z.object({
  type: z.literal('fixed-response'),
  statusCode: z.string().regex(/^[2-5]\d\d$/),
  contentType: z.string().optional(),
  messageBody: z.string().optional(),
});
export const Action = z.discriminatedUnion('type', [ForwardAction, RedirectAction, FixedResponseAction]);
export type ForwardAction = z.infer<typeof ForwardAction>;
export type RedirectAction = z.infer<typeof RedirectAction>;
export type FixedResponseAction = z.infer<typeof FixedResponseAction>;
export type Action = z.infer<typeof Action>;

export const RuleCondition = z.discriminatedUnion('field', [
  z.object({ field: z.literal('host-header'), values: z.array(z.string()).min(1) }),
  z.object({ field: z.literal('path-pattern'), values: z.array(z.string()).min(1) }),
  z.object({
    field: z.literal('http-header'),
    httpHeaderName: z.string(),
    values: z.array(z.string()).min(1),
  }),
  z.object({ field: z.literal('http-request-method'), values: z.array(z.string()).min(1) }),
  z.object({
    field: z.literal('query-string'),
    values: z.array(z.object({ key: z.string().optional(), value: z.string() })).min(1),
  }),
  z.object({ field: z.literal('source-ip'), values: z.array(z.string()).min(1) }),
]);
export type RuleCondition = z.infer<typeof RuleCondition>;

// ---------------------------------------------------------------------------------------------------
// Resources

export const HealthCheck = z.object({
  protocol: Protocol,
  /** `traffic-port` or a number; a named service port is resolved to a number by the model. */
  port: z.union([z.literal('traffic-port'), z.number().int().min(1).max(65535)]),
  path: z.string(),
  intervalSeconds: z.number().int(),
  timeoutSeconds: z.number().int(),
  healthyThresholdCount: z.number().int(),
  unhealthyThresholdCount: z.number().int(),
  /** ELBv2 Matcher: HttpCode for HTTP1/HTTP2, GrpcCode for GRPC. */
  matcher: z.union([z.object({ httpCode: z.string() }), z.object({ grpcCode: z.string() })]),
});
export type HealthCheck = z.infer<typeof HealthCheck>;

export const Target = z.object({
  /** EC2 instance id (`i-…`) for instance targets, an IP address for ip targets. */
  id: z.string(),
  port: z.number().int().min(1).max(65535),
});
export type Target = z.infer<typeof Target>;

export const DesiredTargetGroup = z.object({
  /** Value of the `ingress.k8s.aws/resource` tag: `<ingNs>/<ingName>-<svcName>:<portAsWritten>`. */
  resourceId: z.string(),
  name: z.string().max(32),
  targetType: TargetType,
  protocol: Protocol,
  protocolVersion: ProtocolVersion,
  port: z.number().int().min(1).max(65535),
  /** Target groups are ipv4 or ipv6 (not dualstack, which is a load balancer setting). */
  ipAddressType: z.enum(['ipv4', 'ipv6']),
  healthCheck: HealthCheck,
  /** Only these keys are reconciled; keys absent here are left as AWS has them. */
  attributes: z.record(z.string(), z.string()),
  tags: Tags,
  targets: z.array(Target),
});
export type DesiredTargetGroup = z.infer<typeof DesiredTargetGroup>;

export const DesiredRule = z.object({
  priority: z.number().int().min(1).max(50000),
  conditions: z.array(RuleCondition).min(1),
  action: Action,
  tags: Tags,
});
export type DesiredRule = z.infer<typeof DesiredRule>;

export const DesiredListener = z.object({
  port: z.number().int().min(1).max(65535),
  protocol: Protocol,
  /** HTTPS only: first is the default certificate, all of them go to the SNI list. */
  certificateArns: z.array(z.string()),
  /**
   * HTTPS only: the hosts (rule hosts and TLS hosts of the members on this port that name no
   * certificate, sorted) whose issued ACM certificates the reconciler finds and attaches, as the LBC's
   * certificate discovery does. When `certificateArns` is empty the lowest discovered ARN is the default
   * certificate; else the discovered ones join the SNI list after the explicit ones. A host with no
   * matching certificate fails the reconcile.
   */
  discoverCertificatesFor: z.array(z.string()).min(1).optional(),
  /** HTTPS only. */
  sslPolicy: z.string().optional(),
  defaultAction: Action,
  /** Ordered by priority (1, 2, 3, …). */
  rules: z.array(DesiredRule),
  tags: Tags,
});
export type DesiredListener = z.infer<typeof DesiredListener>;

/** A subnet or security group named either by id or by its `Name` tag; the reconciler resolves names. */
export const ResourceRef = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('id'), id: z.string() }),
  z.object({ kind: z.literal('name'), name: z.string() }),
]);
export type ResourceRef = z.infer<typeof ResourceRef>;

export const DesiredSecurityGroup = z.object({
  name: z.string(),
  description: z.string(),
  /** TCP on each listen port from each CIDR (IPv4 and IPv6 CIDRs mixed). */
  ingress: z.array(z.object({ port: z.number().int(), cidr: z.string() })),
  tags: Tags,
});
export type DesiredSecurityGroup = z.infer<typeof DesiredSecurityGroup>;

export const DesiredLoadBalancer = z.object({
  name: z.string().max(32),
  scheme: Scheme,
  ipAddressType: IpAddressType,
  /** `discover` = SPEC §6.3 subnet discovery, done by the reconciler. */
  subnets: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('discover') }),
    z.object({ kind: z.literal('explicit'), refs: z.array(ResourceRef).min(1) }),
  ]),
  /** `managed` = attach the stack's managed security group (`DesiredStack.securityGroup`). */
  securityGroups: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('managed') }),
    z.object({ kind: z.literal('explicit'), refs: z.array(ResourceRef).min(1) }),
  ]),
  /**
   * `manage-backend-security-group-rules`: with explicit security groups, still attach the cluster's
   * backend security group and open the targets to it (always done with the managed group).
   */
  manageBackendSecurityGroupRules: z.boolean().optional(),
  /** Only these keys are reconciled. */
  attributes: z.record(z.string(), z.string()),
  /** Absent: leave WAF as it is; `none`: disassociate; else the WebACL ARN. */
  wafv2AclArn: z.string().optional(),
  tags: Tags,
});
export type DesiredLoadBalancer = z.infer<typeof DesiredLoadBalancer>;

export const DesiredStack = z.object({
  loadBalancer: DesiredLoadBalancer,
  /** Present exactly when `loadBalancer.securityGroups.kind === 'managed'`. */
  securityGroup: DesiredSecurityGroup.nullable(),
  /** Sorted by `resourceId`. */
  targetGroups: z.array(DesiredTargetGroup),
  /** Sorted by port. */
  listeners: z.array(DesiredListener),
});
export type DesiredStack = z.infer<typeof DesiredStack>;
