/**
 * Annotations after parsing: typed, validated, but not yet defaulted. Ingress values are layered under
 * Service values per backend, and the model builder applies SPEC §3 defaults last.
 */
import type { IpAddressType, Protocol, ProtocolVersion, Scheme, TargetType } from '../model';
import type { FieldProblem } from '../problems';

export const ANNOTATION_PREFIX = 'alb.ingress.kubernetes.io/';

export interface ListenPort {
  protocol: Protocol;
  port: number;
}

/** Settings that may come from the Ingress and be overridden by the backend Service (loc I,S). */
export interface BackendSettings {
  targetType?: TargetType;
  backendProtocol?: Protocol;
  backendProtocolVersion?: ProtocolVersion;
  /** `traffic-port`, a number, or a named Service port (resolved by the model). */
  healthcheckPort?: 'traffic-port' | number | string;
  healthcheckProtocol?: Protocol;
  healthcheckPath?: string;
  healthcheckIntervalSeconds?: number;
  healthcheckTimeoutSeconds?: number;
  healthyThresholdCount?: number;
  unhealthyThresholdCount?: number;
  /** Normalised string, e.g. `200`, `200,202`, `200-299`. */
  successCodes?: string;
  targetGroupAttributes?: Record<string, string>;
  tags?: Record<string, string>;
}

/**
 * Where a forward action sends traffic: a Service port of the Ingress's namespace (a target group of this
 * stack), or a target group managed elsewhere, by ARN or by name (LBC's `targetGroupARN` /
 * `targetGroupName`), which Albatross references but never modifies.
 */
export type ForwardTarget =
  | { serviceName: string; servicePort: string | number; weight: number }
  | { targetGroupArn: string; weight: number }
  | { targetGroupName: string; weight: number };

/** The `actions.<name>` annotation, as written (service ports not yet resolved). */
export type AnnotationAction =
  | {
      type: 'forward';
      targetGroups: ForwardTarget[];
      stickiness?: { enabled: boolean; durationSeconds: number };
    }
  | {
      type: 'redirect';
      protocol?: string;
      port?: string;
      host?: string;
      path?: string;
      query?: string;
      statusCode: 'HTTP_301' | 'HTTP_302';
    }
  | { type: 'fixed-response'; statusCode: string; contentType?: string; messageBody?: string };

/** One entry of `conditions.<name>`; host-header/path-pattern are allowed too and are added to the rule's own. */
export type AnnotationCondition =
  | { field: 'host-header'; values: string[] }
  | { field: 'path-pattern'; values: string[] }
  | { field: 'http-header'; httpHeaderName: string; values: string[] }
  | { field: 'http-request-method'; values: string[] }
  | { field: 'query-string'; values: { key?: string; value: string }[] }
  | { field: 'source-ip'; values: string[] };

export interface IngressSettings extends BackendSettings {
  scheme?: Scheme;
  listenPorts?: ListenPort[];
  /** Unique, the default first. */
  certificateArns?: string[];
  /** The default certificate was listed again: it goes to the SNI list as well (as in the LBC). */
  defaultCertificateInSni?: true;
  sslPolicy?: string;
  sslRedirect?: number;
  loadBalancerAttributes?: Record<string, string>;
  loadBalancerName?: string;
  subnets?: string[];
  securityGroups?: string[];
  inboundCidrs?: string[];
  ipAddressType?: IpAddressType;
  groupName?: string;
  groupOrder?: number;
  /** Keyed by `<name>` of `actions.<name>`. */
  actions: Record<string, AnnotationAction>;
  /** Keyed by `<name>` of `conditions.<name>`. */
  conditions: Record<string, AnnotationCondition[]>;
  wafv2AclArn?: string;
  manageBackendSecurityGroupRules?: boolean;
}

export interface Parsed<T> {
  value: T;
  /** Denials: the `field` is the full annotation key. */
  problems: FieldProblem[];
  /** Admission warnings (unsupported LBC keys, unknown keys with the closest known key). */
  warnings: string[];
}
