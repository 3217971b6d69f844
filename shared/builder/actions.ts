/**
 * Rule and default actions (SPEC §4): a backend forwards to the target group of (Ingress, Service, port
 * as written); `use-annotation` takes `actions.<service name>`; a missing Service, port or action
 * becomes a 503 with a warning on the Ingress, as the LBC tolerates them.
 */
import type { V1IngressBackend } from '@kubernetes/client-node';
import type { AnnotationAction } from '../annotations/types';
import type { Action, WeightedTargetGroup } from '../model';
import type { BuildContext, Member } from './context';
import { annotationKey } from './members';
import { buildTargetGroup } from './target-groups';

/** LBC's responses for a backend that is missing, word for word (users match on the body). */
const unavailable = (messageBody: string): Action => ({
  type: 'fixed-response',
  statusCode: '503',
  contentType: 'text/plain',
  messageBody,
});
export const MISSING_BACKEND = unavailable('Backend service does not exist');
export const MISSING_ACTION = unavailable('Backend action does not exist');
export const NOT_FOUND: Action = { type: 'fixed-response', statusCode: '404', contentType: 'text/plain' };

function missingBackend(ctx: BuildContext, m: Member, what: string, action = MISSING_BACKEND): Action {
  const body = action.type === 'fixed-response' ? action.messageBody : '';
  ctx.findings.warn({ object: m.ref, message: `${what}; requests get a 503 "${body}"` });
  return action;
}

/**
 * The `resourceId` of the target group, creating it on first reference; else the action to use instead.
 * A member's paths often share a backend: the answer (and anything it reported) is kept per backend.
 */
function targetGroupFor(
  ctx: BuildContext,
  m: Member,
  serviceName: string,
  port: string | number,
): string | Action {
  const backend = `${m.ref.namespace}/${m.ref.name}\0${serviceName}\0${String(port)}`;
  let answer = ctx.backends.get(backend);
  if (answer === undefined) {
    answer = resolveTargetGroup(ctx, m, serviceName, port);
    ctx.backends.set(backend, answer);
  }
  return answer;
}

function resolveTargetGroup(
  ctx: BuildContext,
  m: Member,
  serviceName: string,
  port: string | number,
): string | Action {
  const svc = ctx.index.service(m.ref.namespace, serviceName);
  const portAsWritten = String(port);
  if (!svc) return missingBackend(ctx, m, `service ${m.ref.namespace}/${serviceName} does not exist`);
  const r = buildTargetGroup(
    {
      cluster: ctx.cluster,
      stackId: ctx.stackId,
      ingressNamespace: m.ref.namespace,
      ingressName: m.ref.name,
      ingressSettings: m.settings,
      ...(m.classParams ? { classSettings: m.classParams.settings } : {}),
      loadBalancerIpAddressType: ctx.settings.ipAddressType,
      service: svc,
      portAsWritten,
    },
    ctx.index,
  );
  if (r.ok) {
    ctx.targetGroups.set(r.targetGroup.resourceId, r.targetGroup);
    return r.targetGroup.resourceId;
  }
  if ('missingPort' in r)
    return missingBackend(ctx, m, `service ${m.ref.namespace}/${serviceName} has no port ${portAsWritten}`);
  for (const p of r.problems) ctx.findings.problem({ ...p, object: m.ref });
  const svcRef = { kind: 'Service', namespace: m.ref.namespace, name: serviceName } as const;
  for (const p of r.serviceProblems) ctx.findings.problem({ ...p, object: svcRef });
  return MISSING_BACKEND;
}

export function annotationAction(ctx: BuildContext, m: Member, a: AnnotationAction): Action {
  if (a.type !== 'forward') return a;
  const tgs: WeightedTargetGroup[] = [];
  for (const t of a.targetGroups) {
    if ('targetGroupArn' in t) {
      tgs.push({ externalTargetGroupArn: t.targetGroupArn, weight: t.weight });
      continue;
    }
    if ('targetGroupName' in t) {
      tgs.push({ externalTargetGroupName: t.targetGroupName, weight: t.weight });
      continue;
    }
    const r = targetGroupFor(ctx, m, t.serviceName, t.servicePort);
    if (typeof r !== 'string') return r;
    const existing = tgs.find((x) => 'targetGroup' in x && x.targetGroup === r);
    if (existing) existing.weight += t.weight;
    else tgs.push({ targetGroup: r, weight: t.weight });
  }
  return { type: 'forward', targetGroups: tgs, ...(a.stickiness ? { stickiness: a.stickiness } : {}) };
}

/** `field` names the backend in messages, e.g. `spec.rules[0].http.paths[1]`. */
export function backendAction(
  ctx: BuildContext,
  m: Member,
  backend: V1IngressBackend | undefined,
  field: string,
): Action {
  const svc = backend?.service;
  if (!svc) return missingBackend(ctx, m, `${field} has no service backend`);
  if (svc.port?.name === 'use-annotation') {
    const a = m.settings.actions[svc.name];
    return a
      ? annotationAction(ctx, m, a)
      : missingBackend(
          ctx,
          m,
          `${field} uses annotation ${annotationKey(`actions.${svc.name}`)}, which is not set`,
          MISSING_ACTION,
        );
  }
  const port = svc.port?.number ?? svc.port?.name;
  if (port === undefined) return missingBackend(ctx, m, `${field} names no service port`);
  const r = targetGroupFor(ctx, m, svc.name, port);
  return typeof r === 'string' ? { type: 'forward', targetGroups: [{ targetGroup: r, weight: 1 }] } : r;
}
