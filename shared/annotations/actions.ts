/**
 * `actions.<name>` and `conditions.<name>`: strict JSON in the AWS Load Balancer Controller's shapes,
 * validated with zod so a mistake is reported with the JSON path of the bad member.
 */
import * as z from 'zod';
import type { AnnotationAction, AnnotationCondition, ForwardTarget } from './types';
import { fail, ok, parseStrictJson, type ValueResult } from './values';

const ServicePort = z.union([z.number().int().min(1).max(65535), z.string().min(1)]);
const Weight = z.number().int().min(0).max(999);
const TG_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]+$/;
const TG_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;
const TargetGroupArn = z
  .string()
  .regex(
    TG_ARN,
    'a target group ARN like arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>',
  );
const TargetGroupName = z
  .string()
  .regex(TG_NAME, 'a target group name: 1–32 of a-z, A-Z, 0-9 and -, not starting or ending with -');

/**
 * One entry of `forwardConfig.targetGroups`: a Service and port, or (exclusively) a target group managed
 * elsewhere by ARN or by name, as the LBC's TargetGroupTuple.
 */
const TargetGroupTuple = z
  .strictObject({
    serviceName: z.string().min(1).optional(),
    servicePort: ServicePort.optional(),
    targetGroupARN: TargetGroupArn.optional(),
    targetGroupName: TargetGroupName.optional(),
    weight: Weight.optional(),
  })
  .superRefine((t, ctx) => {
    const external = [t.targetGroupARN, t.targetGroupName].filter((x) => x !== undefined).length;
    if (external === 0 && t.serviceName === undefined)
      ctx.addIssue({ code: 'custom', message: 'serviceName, targetGroupARN or targetGroupName is required' });
    else if (external > 0 && (t.serviceName !== undefined || t.servicePort !== undefined))
      ctx.addIssue({
        code: 'custom',
        message: 'either serviceName/servicePort or targetGroupARN/targetGroupName, not both',
      });
    else if (external > 1)
      ctx.addIssue({ code: 'custom', message: 'either targetGroupARN or targetGroupName, not both' });
    else if (t.serviceName !== undefined && t.servicePort === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['servicePort'],
        message: 'servicePort is required with serviceName',
      });
  });

const Forward = z
  .strictObject({
    type: z.literal('forward'),
    // The LBC's simplified schema: one target group managed elsewhere, without forwardConfig.
    targetGroupARN: TargetGroupArn.optional(),
    targetGroupName: TargetGroupName.optional(),
    forwardConfig: z
      .strictObject({
        targetGroups: z.array(TargetGroupTuple).min(1).max(5),
        targetGroupStickinessConfig: z
          .strictObject({
            enabled: z.boolean().optional(),
            durationSeconds: z.number().int().min(1).max(604800).optional(),
          })
          .optional(),
      })
      .superRefine((f, ctx) => {
        // As the LBC: splitting traffic needs every share spelled out.
        if (f.targetGroups.length > 1)
          f.targetGroups.forEach((t, i) => {
            if (t.weight === undefined)
              ctx.addIssue({
                code: 'custom',
                path: ['targetGroups', i, 'weight'],
                message: 'weight is required when forwarding to more than one target group',
              });
          });
      })
      .optional(),
  })
  .superRefine((a, ctx) => {
    const simplified = [a.targetGroupARN, a.targetGroupName].filter((x) => x !== undefined).length;
    if (simplified === 0 && !a.forwardConfig)
      ctx.addIssue({
        code: 'custom',
        message: 'forwardConfig (or targetGroupARN / targetGroupName) is required',
      });
    else if (simplified > 0 && a.forwardConfig)
      ctx.addIssue({
        code: 'custom',
        message: 'either forwardConfig or targetGroupARN/targetGroupName, not both',
      });
    else if (simplified > 1)
      ctx.addIssue({ code: 'custom', message: 'either targetGroupARN or targetGroupName, not both' });
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
    httpRequestMethodConfig: z.strictObject({ values }),
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
/**
 * The first issue as `what (path: value: message)`; the bad value is named when it is a string or a
 * number, because the annotation itself is cut short in messages and may hide it.
 */
function describeIssue(error: z.ZodError, what: string, input: unknown): string {
  const issue = error.issues[0];
  if (!issue) return what;
  const path = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
  let value: unknown = input;
  for (const p of issue.path)
    value =
      value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[p] : undefined;
  const shown = typeof value === 'string' || typeof value === 'number' ? `${JSON.stringify(value)}: ` : '';
  return `${what} (${path === '' ? '' : `${path}: `}${path === '' ? '' : shown}${issue.message})`;
}

const ACTION_EXPECTED =
  'an action as JSON: {"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":…,"servicePort":…,"weight":…}]}}, {"type":"redirect","redirectConfig":{…,"statusCode":"HTTP_301"}} or {"type":"fixed-response","fixedResponseConfig":{"statusCode":"404",…}}';

/**
 * The LBC reads this JSON with Go's decoder, which matches member names case-insensitively, so the
 * legacy CamelCase shapes (`{"Type":"redirect","RedirectConfig":{"StatusCode":…}}`) in many manifests
 * mean the same as camelCase. Names are mapped onto the canonical spelling before validation; unknown
 * names are left as written so the schema can name them.
 */
const CANONICAL_KEYS = new Map(
  [
    'type',
    'forwardConfig',
    'targetGroups',
    'serviceName',
    'servicePort',
    'targetGroupARN',
    'targetGroupName',
    'weight',
    'targetGroupStickinessConfig',
    'enabled',
    'durationSeconds',
    'redirectConfig',
    'protocol',
    'port',
    'host',
    'path',
    'query',
    'statusCode',
    'fixedResponseConfig',
    'contentType',
    'messageBody',
    'field',
    'hostHeaderConfig',
    'pathPatternConfig',
    'httpHeaderConfig',
    'httpHeaderName',
    'httpRequestMethodConfig',
    'queryStringConfig',
    'sourceIpConfig',
    'values',
    'key',
    'value',
  ].map((k) => [k.toLowerCase(), k]),
);

function canonicalKeys(json: unknown): ValueResult<unknown> {
  if (Array.isArray(json)) {
    const out: unknown[] = [];
    for (const item of json) {
      const r = canonicalKeys(item);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return ok(out);
  }
  if (json === null || typeof json !== 'object') return ok(json);
  const out: Record<string, unknown> = {};
  const writtenAs = new Map<string, string>();
  for (const [k, v] of Object.entries(json)) {
    const name = CANONICAL_KEYS.get(k.toLowerCase()) ?? k;
    const earlier = writtenAs.get(name);
    if (earlier !== undefined)
      return fail(`each member once ("${earlier}" and "${k}" are the same member, names ignore case)`);
    writtenAs.set(name, k);
    const r = canonicalKeys(v);
    if (!r.ok) return r;
    out[name] = r.value;
  }
  return ok(out);
}

function parseJsonAnyCase(raw: string): ValueResult<unknown> {
  const json = parseStrictJson(raw);
  return json.ok ? canonicalKeys(json.value) : json;
}

/** Ports written as digit strings are numbers, so `"80"` and `80` name the same target group. */
const normalPort = (p: string | number) => (typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : p);

function forwardTarget(t: z.infer<typeof TargetGroupTuple>): ForwardTarget {
  const weight = t.weight ?? 1;
  if (t.targetGroupARN !== undefined) return { targetGroupArn: t.targetGroupARN, weight };
  if (t.targetGroupName !== undefined) return { targetGroupName: t.targetGroupName, weight };
  // The schema guarantees a Service and port when there is no external target group.
  return { serviceName: t.serviceName ?? '', servicePort: normalPort(t.servicePort ?? ''), weight };
}

export function parseAction(raw: string): ValueResult<AnnotationAction> {
  const json = parseJsonAnyCase(raw);
  if (!json.ok) return fail(`${ACTION_EXPECTED}: ${json.expected}`);
  const r = ActionJson.safeParse(json.value);
  if (!r.success) return fail(describeIssue(r.error, 'a valid action JSON', json.value));
  const a = r.data;
  switch (a.type) {
    case 'forward': {
      if (!a.forwardConfig)
        return ok({
          type: 'forward',
          targetGroups: [
            forwardTarget({ targetGroupARN: a.targetGroupARN, targetGroupName: a.targetGroupName }),
          ],
        });
      const stick = a.forwardConfig.targetGroupStickinessConfig;
      return ok({
        type: 'forward',
        targetGroups: a.forwardConfig.targetGroups.map(forwardTarget),
        ...(stick
          ? {
              stickiness: {
                enabled: stick.enabled ?? false,
                durationSeconds: stick.durationSeconds ?? 3600,
              },
            }
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
  const json = parseJsonAnyCase(raw);
  if (!json.ok) return fail(`${CONDITIONS_EXPECTED}: ${json.expected}`);
  const r = z.array(ConditionJson).min(1).safeParse(json.value);
  if (!r.success) return fail(describeIssue(r.error, 'a valid list of conditions as JSON', json.value));
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
    case 'http-request-method':
      return { field: c.field, values: c.httpRequestMethodConfig.values };
    case 'query-string':
      return { field: c.field, values: c.queryStringConfig.values };
    case 'source-ip':
      return { field: c.field, values: c.sourceIpConfig.values };
  }
}
