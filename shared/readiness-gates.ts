/**
 * Pod readiness gates fed by ALB target health, with the AWS Load Balancer Controller's label and condition
 * type so that namespaces and pods migrated from it keep working. Pure: which gates a new pod gets, which
 * not-ready pods are targets anyway, and which pod condition a target's health state means.
 *
 * The sequence: a pod in a labelled namespace is created with one gate per ip-mode target group whose
 * Service selects it → its containers become ready, but the pod is not Ready (the gate is not True), so its
 * endpoint is `ready: false` → such a pod is still a target (registered) → the ALB reports it healthy →
 * the condition turns True → the pod is Ready and the rollout moves on.
 */
import type { V1Endpoint, V1Pod, V1PodCondition, V1Service } from '@kubernetes/client-node';
import type { StackBuild } from './build';
import { RESOURCE_ID } from './tags';

/** The namespace label that turns injection on (LBC's label and value). */
export const INJECT_LABEL = 'elbv2.k8s.aws/pod-readiness-gate-inject';
export const INJECT_ENABLED = 'enabled';
/** LBC's condition type prefix: `target-health.elbv2.k8s.aws/<target group name>`. */
export const CONDITION_PREFIX = 'target-health.elbv2.k8s.aws/';

export const conditionTypeFor = (targetGroupName: string): string => `${CONDITION_PREFIX}${targetGroupName}`;

/** The target group a condition type names, or undefined when the type is not one of ours. */
export function targetGroupOfCondition(type: string): string | undefined {
  return type.startsWith(CONDITION_PREFIX) && type.length > CONDITION_PREFIX.length
    ? type.slice(CONDITION_PREFIX.length)
    : undefined;
}

export const podCondition = (pod: V1Pod, type: string): V1PodCondition | undefined =>
  pod.status?.conditions?.find((c) => c.type === type);

const isTrue = (pod: V1Pod, type: string) => podCondition(pod, type)?.status === 'True';

/** Target group names of the target-health gates the pod carries, in spec order. */
export function targetHealthGates(pod: V1Pod): string[] {
  const out: string[] = [];
  for (const g of pod.spec?.readinessGates ?? []) {
    const tg = targetGroupOfCondition(g.conditionType);
    if (tg !== undefined) out.push(tg);
  }
  return out;
}

/**
 * A pod whose only reason not to be Ready may be our gates: it carries one, is not terminating, its
 * containers are ready and every other readiness gate is True. Such a pod is registered even though its
 * endpoint says `ready: false` — otherwise the ALB could never see it healthy. Our own gates' state does
 * not matter here: between "condition True" and "endpoint ready" the pod must stay a target.
 */
export function isTargetWhileGated(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  const gates = pod.spec?.readinessGates ?? [];
  if (!gates.some((g) => targetGroupOfCondition(g.conditionType) !== undefined)) return false;
  if (!isTrue(pod, 'ContainersReady')) return false;
  return gates.every(
    (g) => targetGroupOfCondition(g.conditionType) !== undefined || isTrue(pod, g.conditionType),
  );
}

/** Target groups whose health this pod waits for: it is a target and that gate is not True yet. */
export function awaitedTargetGroups(pod: V1Pod): string[] {
  if (!isTargetWhileGated(pod)) return [];
  return targetHealthGates(pod).filter((tg) => !isTrue(pod, conditionTypeFor(tg)));
}

/**
 * Whether an EndpointSlice endpoint is a target: ready (or unknown, which Kubernetes says to treat as
 * ready), or not ready only because of our gates. Terminating endpoints never are.
 */
export function endpointIsTarget(
  ep: V1Endpoint,
  sliceNamespace: string,
  pod: (namespace: string, name: string) => V1Pod | undefined,
): boolean {
  if (ep.conditions?.ready !== false) return true;
  if (ep.conditions.terminating === true) return false;
  const ref = ep.targetRef;
  if (ref?.kind !== 'Pod' || !ref.name) return false;
  const p = pod(ref.namespace || sliceNamespace, ref.name);
  if (!p) return false;
  // A pod recreated under the same name is another pod: its state says nothing about this endpoint.
  if (ref.uid && p.metadata?.uid && ref.uid !== p.metadata.uid) return false;
  return isTargetWhileGated(p);
}

// ---------------------------------------------------------------------------------------------------
// Injection

/** An ip-mode target group of a managed Ingress and the Service whose pods are its targets. */
export interface GatedTargetGroup {
  targetGroupName: string;
  serviceNamespace: string;
  serviceName: string;
  /** The Service's `spec.selector`; empty selects nothing (a Service with manual endpoints). */
  selector: Record<string, string>;
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) => {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
};

/**
 * The ip-mode target groups of built stacks, each with its Service. The model names a target group's
 * origin only in its resource id (`<ingNs>/<ingName>-<svcName>:<port>`), so the Service is found by
 * rebuilding that id for each member and each Service of the member's namespace: an id two pairs would
 * produce alike is one target group for the builder too.
 */
export function gatedTargetGroups(
  builds: readonly StackBuild[],
  services: readonly V1Service[],
): GatedTargetGroup[] {
  const byNamespace = new Map<string, V1Service[]>();
  for (const s of services) {
    const ns = s.metadata?.namespace || 'default';
    const list = byNamespace.get(ns);
    if (list) list.push(s);
    else byNamespace.set(ns, [s]);
  }
  const out: GatedTargetGroup[] = [];
  for (const b of builds) {
    if (!b.result.ok || !b.result.stack) continue;
    for (const tg of b.result.stack.targetGroups) {
      if (tg.targetType !== 'ip') continue;
      const port = tg.resourceId.slice(tg.resourceId.lastIndexOf(':') + 1);
      for (const m of b.members) {
        for (const svc of byNamespace.get(m.namespace) ?? []) {
          const name = svc.metadata?.name ?? '';
          if (RESOURCE_ID.targetGroup(m.namespace, m.name, name, port) !== tg.resourceId) continue;
          out.push({
            targetGroupName: tg.name,
            serviceNamespace: m.namespace,
            serviceName: name,
            selector: svc.spec?.selector ?? {},
          });
        }
      }
    }
  }
  return out;
}

/** Condition types a new pod in `namespace` with these labels must be gated on, sorted, no repeats. */
export function gatesFor(
  namespace: string,
  labels: Record<string, string>,
  targetGroups: readonly GatedTargetGroup[],
): string[] {
  const types = new Set<string>();
  for (const tg of targetGroups) {
    if (tg.serviceNamespace === namespace && selects(tg.selector, labels))
      types.add(conditionTypeFor(tg.targetGroupName));
  }
  return [...types].sort();
}

export type JsonPatchOp = { op: 'add'; path: string; value: unknown };

/** JSONPatch adding the gates the pod lacks; empty when it has them all (idempotent). */
export function readinessGatePatch(pod: V1Pod, conditionTypes: readonly string[]): JsonPatchOp[] {
  const present = new Set((pod.spec?.readinessGates ?? []).map((g) => g.conditionType));
  const missing = conditionTypes.filter((t) => !present.has(t));
  if (missing.length === 0) return [];
  if (!pod.spec?.readinessGates)
    return [
      { op: 'add', path: '/spec/readinessGates', value: missing.map((conditionType) => ({ conditionType })) },
    ];
  return missing.map((conditionType) => ({
    op: 'add',
    path: '/spec/readinessGates/-',
    value: { conditionType },
  }));
}

// ---------------------------------------------------------------------------------------------------
// Target health → pod condition

/** What AWS says of one pod's target in one target group. */
export type TargetObservation =
  /** The target group does not exist in AWS yet (the stack is still being created). */
  | { kind: 'no-target-group' }
  /** The target group exists, the pod's address is not registered in it yet. */
  | { kind: 'not-registered' }
  /** `DescribeTargetHealth`'s TargetHealth for the pod's address. */
  | { kind: 'health'; state: string; reason?: string; description?: string };

export interface DesiredCondition {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

/**
 * Healthy → True; anything else (initial, unhealthy, draining, unavailable, unused) → False with AWS's
 * reason code (`Elb.RegistrationInProgress`, `Target.ResponseCodeMismatch`, …) and description, so the
 * pod says why it is not Ready.
 */
export function conditionFor(targetGroupName: string, o: TargetObservation): DesiredCondition {
  switch (o.kind) {
    case 'no-target-group':
      return {
        status: 'False',
        reason: 'Elb.RegistrationInProgress',
        message: `Target group ${targetGroupName} is not created yet`,
      };
    case 'not-registered':
      return {
        status: 'False',
        reason: 'Elb.RegistrationInProgress',
        message: `Target registration is in progress in ${targetGroupName}`,
      };
    case 'health':
      if (o.state === 'healthy')
        return {
          status: 'True',
          reason: 'Target.Healthy',
          message: `Target is healthy in ${targetGroupName}`,
        };
      return {
        status: 'False',
        reason: o.reason ?? `Target.${o.state.charAt(0).toUpperCase()}${o.state.slice(1)}`,
        message: `${o.description ?? `Target is ${o.state}`} (${targetGroupName})`,
      };
  }
}

/** Worst first: one target of the pod that is not healthy decides (a pod is one address, normally one port). */
export function combineObservations(observations: readonly TargetObservation[]): TargetObservation {
  if (observations.length === 0) return { kind: 'not-registered' };
  return (
    observations.find((o) => o.kind !== 'health' || o.state !== 'healthy') ??
    (observations[0] as TargetObservation)
  );
}

/** True when the pod's condition already says this (no write needed). */
export function conditionUpToDate(pod: V1Pod, type: string, want: DesiredCondition): boolean {
  const c = podCondition(pod, type);
  return c?.status === want.status && c.reason === want.reason && c.message === want.message;
}

/** A target-health gate whose target group no longer exists in the model: released, as LBC does. */
export const RELEASED: DesiredCondition = {
  status: 'True',
  reason: 'TargetGroupRemoved',
  message: 'No Ingress uses this target group any more; the gate no longer applies',
};
