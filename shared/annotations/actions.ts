/**
 * `actions.<name>` and `conditions.<name>`: strict JSON in the AWS Load Balancer Controller's shapes,
 * validated with zod so a mistake is reported with the JSON path of the bad member.
 */
import { z } from 'zod';
import type { AnnotationAction, AnnotationCondition } from './types';
import { fail, ok, parseStrictJson, type ValueResult } from './values';

const ServicePort = z.union([z.number().int().min(1).max(65535), z.string().min(1)]);

const Forward = z.strictObject({
  type: z.literal('forward'),
  forwardConfig: z.strictObject({
    targetGroups: z
      .array(
        z.strictObject({
          serviceName: z.string().min(1),
          servicePort: ServicePort,
          weight: z.number().int().min(0).max(999).optional(),
        }),
      )
      .min(1)
      .max(5),
    targetGroupStickinessConfig: z
      .strictObject({
        enabled: z.boolean(),
        durationSeconds: z.number().int().min(1).max(604800).optional(),
      })
      .optional(),
  }),
});

const Redirect = z.strictObject({
  type: z.literal('redirect'),
  redirectConfig: z.strictObject({
    protocol: z
      .string()
      .regex(/^(HTTP|HTTPS|#\{protocol\})$/)
      .optional(),
    port: z
      .string()
      .regex(/^(\d{1,5}|#\{port\})$/)
      .optional(),
    host: z.string().min(1).max(128).optional(),
    path: z.string().startsWith('/').max(128).optional(),
    query: z.string().max(128).optional(),
    statusCode: z.enum(['HTTP_301', 'HTTP_302']),
  }),
});

const FixedResponse = z.strictObject({
  type: z.literal('fixed-response'),
  fixedResponseConfig: z.strictObject({
    statusCode: z.string().regex(/^[2-5]\d\d$/, 'a status code from 200 to 599 as a string'),
    contentType: z
      .enum(['text/plain', 'text/css', 'text/html', 'application/javascript', 'application/json'])
      .optional(),
    messageBody: z.string().max(1024).optional(),
  }),
});

const ActionJson = z.discriminatedUnion('type', [Forward, Redirect, FixedResponse]);

const values = z.array(z.string().min(1)).min(1);
const ConditionJson = z.discriminatedUnion('field', [
  z.strictObject({ field: z.literal('host-header'), hostHeaderConfig: z.strictObject({ values }) }),
  z.strictObject({ field: z.literal('path-pattern'), pathPatternConfig: z.strictObject({ values }) }),
  z.strictObject({
    field: z.literal('http-header'),
    httpHeaderConfig: z.strictObject({ httpHeaderName: z.string().min(1).max(40), values }),
  }),
  z.strictObject({
    field: z.literal('http-request-method'),
    // The LBC's documentation spells this one `Values`; accept both.
    httpRequestMethodConfig: z.union([z.strictObject({ values }), z.strictObject({ Values: values })]),
  }),
  z.strictObject({
    field: z.literal('query-string'),
    queryStringConfig: z.strictObject({
      values: z.array(z.strictObject({ key: z.string().min(1).optional(), value: z.string().min(1) })).min(1),
    }),
  }),
  z.strictObject({ field: z.literal('source-ip'), sourceIpConfig: z.strictObject({ values }) }),
]);

/** First zod issue as `expected` text with its JSON path, e.g. `forwardConfig.targetGroups[0].weight: …`. */
function describeIssue(error: z.ZodError, what: string): string {
  const issue = error.issues[0];
  if (!issue) return what;
  const path = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
  return `${what} (${path === '' ? '' : `${path}: `}${issue.message})`;
}

const ACTION_EXPECTED =
  'an action as JSON: {"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":…,"servicePort":…,"weight":…}]}}, {"type":"redirect","redirectConfig":{…,"statusCode":"HTTP_301"}} or {"type":"fixed-response","fixedResponseConfig":{"statusCode":"404",…}}';

export function parseAction(raw: string): ValueResult<AnnotationAction> {
  const json = parseStrictJson(raw);
  if (!json.ok) return fail(`${ACTION_EXPECTED}: ${json.expected}`);
  const r = ActionJson.safeParse(json.value);
  if (!r.success) return fail(describeIssue(r.error, 'a valid action JSON'));
  const a = r.data;
  switch (a.type) {
    case 'forward': {
      const tgs = a.forwardConfig.targetGroups;
      const stick = a.forwardConfig.targetGroupStickinessConfig;
      return ok({
        type: 'forward',
        targetGroups: tgs.map((t) => ({
          serviceName: t.serviceName,
          servicePort:
            typeof t.servicePort === 'string' && /^\d+$/.test(t.servicePort)
              ? Number(t.servicePort)
              : t.servicePort,
          weight: t.weight ?? 1,
        })),
        ...(stick
          ? { stickiness: { enabled: stick.enabled, durationSeconds: stick.durationSeconds ?? 3600 } }
          : {}),
      });
    }
    case 'redirect':
      return ok({ type: 'redirect', ...a.redirectConfig });
    case 'fixed-response':
      return ok({ type: 'fixed-response', ...a.fixedResponseConfig });
  }
}

const CONDITIONS_EXPECTED =
  'a JSON list of conditions like [{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-Canary","values":["on"]}}]';

export function parseConditions(raw: string): ValueResult<AnnotationCondition[]> {
  const json = parseStrictJson(raw);
  if (!json.ok) return fail(`${CONDITIONS_EXPECTED}: ${json.expected}`);
  const r = z.array(ConditionJson).min(1).safeParse(json.value);
  if (!r.success) return fail(describeIssue(r.error, 'a valid list of conditions as JSON'));
  return ok(r.data.map(toCondition));
}

function toCondition(c: z.infer<typeof ConditionJson>): AnnotationCondition {
  switch (c.field) {
    case 'host-header':
      return { field: c.field, values: c.hostHeaderConfig.values };
    case 'path-pattern':
      return { field: c.field, values: c.pathPatternConfig.values };
    case 'http-header':
      return {
        field: c.field,
        httpHeaderName: c.httpHeaderConfig.httpHeaderName,
        values: c.httpHeaderConfig.values,
      };
    case 'http-request-method': {
      const m = c.httpRequestMethodConfig;
      return { field: c.field, values: 'values' in m ? m.values : m.Values };
    }
    case 'query-string':
      return { field: c.field, values: c.queryStringConfig.values };
    case 'source-ip':
      return { field: c.field, values: c.sourceIpConfig.values };
  }
}
