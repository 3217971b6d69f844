/** A reason an object is denied: always the field, the value given and what was expected. */
export interface FieldProblem {
  /** Annotation key (full, e.g. `alb.ingress.kubernetes.io/scheme`) or a spec path (`spec.rules[0].http.paths[1].path`). */
  field: string;
  value: string;
  expected: string;
}

export interface ObjectRef {
  kind: 'Ingress' | 'Service';
  namespace: string;
  name: string;
}

export interface Problem extends FieldProblem {
  object: ObjectRef;
  /** For a conflict inside a group: the other Ingress involved. */
  related?: ObjectRef;
}

export interface Warning {
  object: ObjectRef;
  message: string;
}

/** `namespace/name: field: value: expected …`, the one format used by admission, the CLI and Events. */
export function formatProblem(p: Problem): string {
  return `${p.object.namespace}/${p.object.name}: ${p.field}: ${p.value}: expected ${p.expected}`;
}

export function formatWarning(w: Warning): string {
  return `${w.object.namespace}/${w.object.name}: ${w.message}`;
}
