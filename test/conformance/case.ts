/**
 * One reference case of the AWS Load Balancer Controller (LBC), ported: its name and source, its inputs
 * as the Kubernetes objects Albatross's builder reads, and what LBC builds from them, in the neutral form.
 */
import type { ClusterObjects } from '../../shared/cluster';
import type { DesiredStack } from '../../shared/model';
import type { NStack } from './neutral';

export type Expectation =
  /**
   * The build succeeds; `select` picks what the LBC case asserts (the whole stack for the model-builder
   * table, one field for the tests of a single builder step) and it must equal `equals`.
   * `warnings`: admission warnings Albatross must give (each pattern matches one warning).
   */
  | {
      kind: 'stack';
      /** `raw`: Albatross's own model, for what the neutral form leaves out (target-group names). */
      select?: (s: NStack, raw: DesiredStack) => unknown;
      equals: unknown;
      warnings?: RegExp[];
    }
  /**
   * The build fails. `lbc` is LBC's error text (for the reader); every pattern in `problems` must match
   * one of Albatross's problems (`namespace/name: field: value: expected …`).
   */
  | { kind: 'error'; lbc?: string; problems: RegExp[] }
  /**
   * Group loading: the active members in member order and the inactive ones (deleting, or left the
   * group, still holding its finalizer), as `namespace/name`. A stack nothing refers to has neither.
   */
  | { kind: 'group'; members: string[]; inactiveMembers: string[] }
  /**
   * What LBC builds for a feature the neutral form has no place for (authentication, a frontend NLB, …),
   * transcribed in LBC's terms. Only unsupported cases use it: it documents, the `albatross` side asserts.
   */
  | { kind: 'outside-model'; lbc: unknown };

interface CaseBase {
  /** The LBC test's name, verbatim. */
  name: string;
  /** `pkg/ingress/<file>_test.go` and the Go test function holding the case. */
  source: string;
  objects: ClusterObjects;
  /** Default `ns-1/ing-1`. */
  stackId?: string;
  /** Default `cluster-dummy`, the cluster name of LBC's model-builder table. */
  clusterName?: string;
  /**
   * How the inputs were translated where LBC's test hands its builder something that is not a Kubernetes
   * object (a listener set, a group assembled in code), or an object a real API server would refuse.
   */
  adapted?: string;
  /** What LBC builds. */
  lbc: Expectation;
}

export type ConformanceCase = CaseBase &
  (
    | { status?: 'same' }
    /** Albatross differs on purpose; `albatross` is asserted instead, so the case can still fail. */
    | { status: 'deviation'; deviation: string; albatross: Expectation }
    /** A feature Albatross does not implement; `albatross` asserts its warning or denial. */
    | { status: 'unsupported'; unsupported: string; albatross: Expectation }
  );
