/**
 * Model ⇄ ELBv2 shapes. Desired actions name target groups by resourceId; `toSdkAction` swaps in ARNs.
 * Observed shapes are canonicalised (AWS fills redirect defaults, repeats values in two places) so that
 * equal content compares equal as a string key.
 */
import type {
  FixedResponseActionConfig,
  RedirectActionConfig,
  Action as SdkAction,
  RuleCondition as SdkCondition,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { canonicalJson } from '../../shared/messages';
import type { Action, RuleCondition, WeightedTargetGroup } from '../../shared/model';

/** The ARN a forward action's target group stands for (a stack one by resourceId, or an external one). */
export type ArnOf = (t: WeightedTargetGroup) => string;

export function toSdkAction(a: Action, arnOf: ArnOf): SdkAction {
  switch (a.type) {
    case 'forward':
      return {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: a.targetGroups.map((t) => ({
            TargetGroupArn: arnOf(t),
            Weight: t.weight,
          })),
          ...(a.stickiness
            ? {
                TargetGroupStickinessConfig: {
                  Enabled: a.stickiness.enabled,
                  DurationSeconds: a.stickiness.durationSeconds,
                },
              }
            : {}),
        },
      };
    case 'redirect':
      return {
        Type: 'redirect',
        RedirectConfig: {
          Protocol: a.protocol,
          Port: a.port,
          Host: a.host,
          Path: a.path,
          Query: a.query,
          StatusCode: a.statusCode,
        },
      };
    case 'fixed-response':
      return {
        Type: 'fixed-response',
        FixedResponseConfig: {
          StatusCode: a.statusCode,
          ContentType: a.contentType,
          MessageBody: a.messageBody,
        },
      };
  }
}

export function toSdkConditions(cs: readonly RuleCondition[]): SdkCondition[] {
  return cs.map(toSdkCondition);
}

function toSdkCondition(c: RuleCondition): SdkCondition {
  switch (c.field) {
    case 'host-header':
      return { Field: c.field, HostHeaderConfig: { Values: c.values } };
    case 'path-pattern':
      return { Field: c.field, PathPatternConfig: { Values: c.values } };
    case 'http-header':
      return { Field: c.field, HttpHeaderConfig: { HttpHeaderName: c.httpHeaderName, Values: c.values } };
    case 'http-request-method':
      return { Field: c.field, HttpRequestMethodConfig: { Values: c.values } };
    case 'query-string':
      return {
        Field: c.field,
        QueryStringConfig: { Values: c.values.map((v) => ({ Key: v.key, Value: v.value })) },
      };
    case 'source-ip':
      return { Field: c.field, SourceIpConfig: { Values: c.values } };
  }
}

/** One action as a canonical value: forward with one target group and `TargetGroupArn` alike. */
function canonicalAction(a: SdkAction): unknown {
  switch (a.Type) {
    case 'forward': {
      const tgs =
        a.ForwardConfig?.TargetGroups ??
        (a.TargetGroupArn ? [{ TargetGroupArn: a.TargetGroupArn, Weight: 1 }] : []);
      const stick = a.ForwardConfig?.TargetGroupStickinessConfig;
      return {
        type: 'forward',
        tgs: tgs.map((t) => [t.TargetGroupArn, tgs.length === 1 ? 1 : (t.Weight ?? 1)]).sort(),
        stick: stick?.Enabled ? (stick.DurationSeconds ?? null) : null,
      };
    }
    case 'redirect': {
      const r: RedirectActionConfig = a.RedirectConfig ?? { StatusCode: undefined };
      return {
        type: 'redirect',
        protocol: r.Protocol ?? '#{protocol}',
        port: r.Port ?? '#{port}',
        host: r.Host ?? '#{host}',
        path: r.Path ?? '/#{path}',
        query: r.Query ?? '#{query}',
        status: r.StatusCode,
      };
    }
    case 'fixed-response': {
      const f: FixedResponseActionConfig = a.FixedResponseConfig ?? { StatusCode: undefined };
      return {
        type: 'fixed-response',
        status: f.StatusCode,
        contentType: f.ContentType ?? null,
        body: f.MessageBody ?? null,
      };
    }
    default:
      return { type: a.Type ?? 'unknown' };
  }
}

/** The action part of a rule, ignoring AWS-only fields (Order). */
export function actionKey(actions: readonly SdkAction[]): string {
  return canonicalJson(actions.map(canonicalAction));
}

function canonicalCondition(c: SdkCondition): unknown {
  const field = c.Field ?? '';
  switch (field) {
    case 'host-header':
      return { field, values: [...(c.HostHeaderConfig?.Values ?? c.Values ?? [])].sort() };
    case 'path-pattern':
      return { field, values: [...(c.PathPatternConfig?.Values ?? c.Values ?? [])].sort() };
    case 'http-header':
      return {
        field,
        name: c.HttpHeaderConfig?.HttpHeaderName?.toLowerCase(),
        values: [...(c.HttpHeaderConfig?.Values ?? [])].sort(),
      };
    case 'http-request-method':
      return { field, values: [...(c.HttpRequestMethodConfig?.Values ?? [])].sort() };
    case 'query-string':
      return {
        field,
        values: (c.QueryStringConfig?.Values ?? []).map((v) => `${v.Key ?? ''}=${v.Value ?? ''}`).sort(),
      };
    case 'source-ip':
      return { field, values: [...(c.SourceIpConfig?.Values ?? [])].sort() };
    default:
      return { field };
  }
}

export function conditionsKey(cs: readonly SdkCondition[]): string {
  return canonicalJson(
    cs.map(canonicalCondition).sort((a, b) => (canonicalJson(a) < canonicalJson(b) ? -1 : 1)),
  );
}

export function ruleKey(conditions: readonly SdkCondition[], actions: readonly SdkAction[]): string {
  return `${conditionsKey(conditions)}|${actionKey(actions)}`;
}
