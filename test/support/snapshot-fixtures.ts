/**
 * Hand-built DesiredStacks and StackSnapshots for the reconciler's handler tests: small, valid against
 * the schemas, with LBC-compatible names and tracking tags, and a correct digest.
 */
import { API_VERSION, type MemberRef, type StackSnapshot, stackDigest } from '../../shared/messages';
import type { DesiredStack, Scheme } from '../../shared/model';
import { loadBalancerName, securityGroupName, targetGroupName } from '../../shared/names';
import { RESOURCE_ID, resourceTags } from '../../shared/tags';

export interface StackFixtureOptions {
  cluster: string;
  /** Implicit group `namespace/name`. */
  namespace: string;
  name: string;
  scheme?: Scheme;
  port?: number;
  /** Instance targets of the one target group. */
  instanceIds?: string[];
  /** Distinguishes two versions of the same stack (a fixed-response body on the listener's default). */
  version?: string;
}

export function desiredStack(o: StackFixtureOptions): DesiredStack {
  const stackId = `${o.namespace}/${o.name}`;
  const group = { kind: 'implicit', namespace: o.namespace, name: o.name } as const;
  const scheme = o.scheme ?? 'internal';
  const port = o.port ?? 80;
  const tags = (resourceId: string) => resourceTags(o.cluster, stackId, resourceId);
  const tgResource = RESOURCE_ID.targetGroup(o.namespace, o.name, 'web', '80');
  const tgName = targetGroupName({
    cluster: o.cluster,
    stackId,
    ingressNamespace: o.namespace,
    ingressName: o.name,
    serviceNamespace: o.namespace,
    serviceName: 'web',
    serviceUid: `uid-${o.namespace}-web`,
    portAsWritten: '80',
    targetPort: 30080,
    targetType: 'instance',
    protocol: 'HTTP',
    protocolVersion: 'HTTP1',
  });
  return {
    loadBalancer: {
      name: loadBalancerName(o.cluster, group, scheme),
      scheme,
      ipAddressType: 'ipv4',
      subnets: { kind: 'discover' },
      securityGroups: { kind: 'managed' },
      attributes: {},
      tags: tags(RESOURCE_ID.loadBalancer),
    },
    securityGroup: {
      name: securityGroupName(o.cluster, group, stackId),
      description: `[k8s] Managed SecurityGroup for LoadBalancer ${stackId}`,
      ingress: [{ port, cidr: '0.0.0.0/0' }],
      tags: tags(RESOURCE_ID.securityGroup),
    },
    targetGroups: [
      {
        resourceId: tgResource,
        name: tgName,
        targetType: 'instance',
        protocol: 'HTTP',
        protocolVersion: 'HTTP1',
        port: 30080,
        ipAddressType: 'ipv4',
        healthCheck: {
          protocol: 'HTTP',
          port: 'traffic-port',
          path: '/',
          intervalSeconds: 15,
          timeoutSeconds: 5,
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 2,
          matcher: { httpCode: '200' },
        },
        attributes: {},
        tags: tags(tgResource),
        targets: (o.instanceIds ?? []).map((id) => ({ id, port: 30080 })),
      },
    ],
    listeners: [
      {
        port,
        protocol: 'HTTP',
        certificateArns: [],
        defaultAction: {
          type: 'fixed-response',
          statusCode: '404',
          contentType: 'text/plain',
          ...(o.version ? { messageBody: o.version } : {}),
        },
        rules: [
          {
            priority: 1,
            conditions: [{ field: 'path-pattern', values: ['/*'] }],
            action: { type: 'forward', targetGroups: [{ targetGroup: tgResource, weight: 1 }] },
            tags: tags(RESOURCE_ID.rule(port, 1)),
          },
        ],
        tags: tags(RESOURCE_ID.listener(port)),
      },
    ],
  };
}

export interface SnapshotFixtureOptions {
  cluster: string;
  stackId: string;
  seq: number;
  stack: DesiredStack | null;
  verify?: boolean;
  members?: MemberRef[];
  inactiveMembers?: MemberRef[];
}

export function snapshotOf(o: SnapshotFixtureOptions): StackSnapshot {
  const [namespace = 'default', name = o.stackId] = o.stackId.includes('/') ? o.stackId.split('/') : [];
  return {
    apiVersion: API_VERSION,
    kind: 'StackSnapshot',
    cluster: o.cluster,
    stackId: o.stackId,
    seq: o.seq,
    digest: stackDigest(o.stack),
    verify: o.verify ?? false,
    members: o.members ?? [
      { namespace, name, uid: `uid-${namespace}-${name}`, resourceVersion: String(o.seq) },
    ],
    inactiveMembers: o.inactiveMembers ?? [],
    stack: o.stack,
  };
}

/** A snapshot of the implicit group `namespace/name` in one call. */
export function stackSnapshot(
  o: StackFixtureOptions & { seq: number; verify?: boolean; deleted?: boolean },
): StackSnapshot {
  return snapshotOf({
    cluster: o.cluster,
    stackId: `${o.namespace}/${o.name}`,
    seq: o.seq,
    verify: o.verify,
    stack: o.deleted ? null : desiredStack(o),
  });
}
