/**
 * Annotation maps → typed settings plus every problem and warning. Never throws: admission relies on
 * getting a list of problems back for any input whatsoever.
 */
import type { FieldProblem } from '../problems';
import { parseAction, parseConditions } from './actions';
import {
  ACTIONS_PREFIX,
  ANNOTATIONS,
  CONDITIONS_PREFIX,
  type Location,
  UNSUPPORTED_KEYS,
  UNSUPPORTED_PREFIXES,
} from './keys';
import { ANNOTATION_PREFIX, type BackendSettings, type IngressSettings, type Parsed } from './types';
import { levenshtein } from './values';

const MAX_VALUE_IN_MESSAGE = 200;
const KNOWN_KEYS = [...Object.keys(ANNOTATIONS), `${ACTIONS_PREFIX}<name>`, `${CONDITIONS_PREFIX}<name>`];

/** Values are echoed in messages; a megabyte of JSON is not. */
export function shownValue(raw: string): string {
  return raw.length > MAX_VALUE_IN_MESSAGE ? `${raw.slice(0, MAX_VALUE_IN_MESSAGE)}…` : raw;
}

function closestKnownKey(key: string): string | undefined {
  const family = key.split('.')[0] ?? key;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const known of KNOWN_KEYS) {
    const candidate = known.endsWith('<name>') ? known.slice(0, known.indexOf('.')) : known;
    const d = levenshtein(known.endsWith('<name>') ? family : key, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = known;
    }
  }
  // Beyond a third of the key's length the suggestion is noise.
  return best !== undefined && bestDistance <= Math.max(2, Math.ceil(key.length / 3)) ? best : undefined;
}

function isUnsupported(key: string): boolean {
  return UNSUPPORTED_KEYS.has(key) || UNSUPPORTED_PREFIXES.some((p) => key.startsWith(p));
}

function parseInto(
  annotations: Record<string, string> | undefined,
  allowed: ReadonlySet<Location>,
  objectKind: 'Ingress' | 'Service',
): Parsed<IngressSettings> {
  const value: IngressSettings = { actions: {}, conditions: {} };
  const problems: FieldProblem[] = [];
  const warnings: string[] = [];
  if (annotations === null || typeof annotations !== 'object') return { value, problems, warnings };

  for (const [fullKey, rawValue] of Object.entries(annotations)) {
    if (!fullKey.startsWith(ANNOTATION_PREFIX)) continue;
    const key = fullKey.slice(ANNOTATION_PREFIX.length);
    const raw = typeof rawValue === 'string' ? rawValue : String(rawValue);
    const problem = (expected: string) => problems.push({ field: fullKey, value: shownValue(raw), expected });

    const spec = Object.hasOwn(ANNOTATIONS, key) ? ANNOTATIONS[key] : undefined;
    if (spec) {
      if (!allowed.has(spec.location)) {
        warnings.push(`${fullKey} applies to an Ingress only; it is ignored on a ${objectKind}`);
        continue;
      }
      const expected = spec.apply(raw, value);
      if (expected !== undefined) problem(expected);
      continue;
    }
    const family = key.startsWith(ACTIONS_PREFIX)
      ? ACTIONS_PREFIX
      : key.startsWith(CONDITIONS_PREFIX)
        ? CONDITIONS_PREFIX
        : undefined;
    if (family !== undefined) {
      if (!allowed.has('ingress')) {
        warnings.push(`${fullKey} applies to an Ingress only; it is ignored on a ${objectKind}`);
        continue;
      }
      const name = key.slice(family.length);
      if (name === '') {
        problem(`a name after ${ANNOTATION_PREFIX}${family}, the backend service name that refers to it`);
        continue;
      }
      if (family === ACTIONS_PREFIX) {
        const r = parseAction(raw);
        if (r.ok) value.actions[name] = r.value;
        else problem(r.expected);
      } else {
        const r = parseConditions(raw);
        if (r.ok) value.conditions[name] = r.value;
        else problem(r.expected);
      }
      continue;
    }
    if (isUnsupported(key)) {
      warnings.push(`${fullKey} is not supported by Albatross yet; it is ignored`);
      continue;
    }
    const suggestion = closestKnownKey(key);
    warnings.push(
      suggestion
        ? `unknown annotation ${fullKey}; did you mean ${ANNOTATION_PREFIX}${suggestion}?`
        : `unknown annotation ${fullKey}; it is ignored`,
    );
  }

  checkHealthcheckTiming(annotations, value, problems);
  return { value, problems, warnings };
}

/** Timeout must be below the interval; checked here only when both are set on the same object. */
function checkHealthcheckTiming(
  annotations: Record<string, string>,
  value: BackendSettings,
  problems: FieldProblem[],
): void {
  const { healthcheckIntervalSeconds: interval, healthcheckTimeoutSeconds: timeout } = value;
  if (interval !== undefined && timeout !== undefined && timeout >= interval) {
    const field = `${ANNOTATION_PREFIX}healthcheck-timeout-seconds`;
    problems.push({
      field,
      value: annotations[field] ?? String(timeout),
      expected: `less than healthcheck-interval-seconds (${interval})`,
    });
  }
}

const INGRESS_LOCATIONS: ReadonlySet<Location> = new Set(['ingress', 'backend']);
const SERVICE_LOCATIONS: ReadonlySet<Location> = new Set(['backend']);

/** Annotations alone, before an IngressClassParams is laid over them; see `checkIngressSettings`. */
export function parseIngressAnnotationValues(
  annotations: Record<string, string> | undefined,
): Parsed<IngressSettings> {
  return parseInto(annotations, INGRESS_LOCATIONS, 'Ingress');
}

/**
 * Checks across settings of one Ingress, once the class's settings are in: ssl-redirect must be one of
 * its HTTPS listen ports. `fieldOf` names where a setting came from (an annotation, or the class).
 */
export function checkIngressSettings(
  value: IngressSettings,
  annotations: Record<string, string> | undefined,
  fieldOf: (setting: 'sslRedirect', annotation: string) => string = (_s, a) => a,
): { problems: FieldProblem[]; warnings: string[] } {
  const problems: FieldProblem[] = [];
  const warnings: string[] = [];
  if (value.sslRedirect !== undefined) {
    const annotation = `${ANNOTATION_PREFIX}ssl-redirect`;
    const ports = value.listenPorts ?? [
      value.certificateArns?.length ? { protocol: 'HTTPS', port: 443 } : { protocol: 'HTTP', port: 80 },
    ];
    const https = ports.filter((p) => p.protocol === 'HTTPS').map((p) => p.port);
    if (!https.includes(value.sslRedirect)) {
      problems.push({
        field: fieldOf('sslRedirect', annotation),
        value: annotations?.[annotation] ?? String(value.sslRedirect),
        expected: https.length
          ? `one of the HTTPS listen ports (${https.join(', ')})`
          : 'an HTTPS listen port, but listen-ports has none',
      });
    }
  }
  if (value.securityGroups !== undefined && value.inboundCidrs !== undefined) {
    warnings.push(
      `${ANNOTATION_PREFIX}inbound-cidrs is ignored because ${ANNOTATION_PREFIX}security-groups is set`,
    );
  }
  return { problems, warnings };
}

/**
 * An Ingress's annotations with their cross-checks. An HTTPS listen port without certificate-arn is
 * not a problem: its certificates are discovered from the Ingress's hosts, as the LBC does.
 */
export function parseIngressAnnotations(
  annotations: Record<string, string> | undefined,
): Parsed<IngressSettings> {
  const { value, problems, warnings } = parseIngressAnnotationValues(annotations);
  const checked = checkIngressSettings(value, annotations);
  return {
    value,
    problems: [...problems, ...checked.problems],
    warnings: [...warnings, ...checked.warnings],
  };
}

export function parseServiceAnnotations(
  annotations: Record<string, string> | undefined,
): Parsed<BackendSettings> {
  const { value, problems, warnings } = parseInto(annotations, SERVICE_LOCATIONS, 'Service');
  const { actions: _actions, conditions: _conditions, ...backend } = value;
  return { value: backend, problems, warnings };
}
