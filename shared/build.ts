/**
 * The model builder's public face: cluster objects → one desired stack per IngressGroup (SPEC §1–§4),
 * and the admission verdict for one candidate Ingress. Pure: no I/O, no clock, no randomness.
 */
import type { V1Ingress } from '@kubernetes/client-node';
import type { IngressSettings, Parsed } from './annotations/types';
import { buildGroup, conflictProblem, type GroupBuild, type Member } from './builder';
import { type ClusterIndex, indexCluster } from './builder/cluster-index';
import { deletionProtectionProblem } from './builder/deletion-protection';
import type { ClassObjects, ClusterObjects } from './cluster';
import { type ClusterView, probableStackIds, viewOf } from './cluster-view';
import {
  compareMembers,
  type GroupId,
  groupOf,
  groupsFromFinalizers,
  isDeleting,
  nameOf,
  namespaceOf,
  stackIdOf,
} from './groups';
import { isManagedIngress, unresolvedClassProblem } from './ingress-class';
import type { ClassParams } from './ingress-class-params';
import { ingressConfig } from './ingress-config';
import type { MemberRef } from './messages';
import type { DesiredStack } from './model';
import type { ObjectRef, Problem, Warning } from './problems';

export interface BuildOptions {
  clusterName: string;
}

export type StackBuildResult =
  /** `stack: null`: the group has no active member left, so its AWS resources are to be deleted. */
  | { ok: true; stack: DesiredStack | null; warnings: Warning[] }
  | { ok: false; problems: Problem[]; warnings: Warning[] };

export interface StackBuild {
  stackId: string;
  members: MemberRef[];
  inactiveMembers: MemberRef[];
  result: StackBuildResult;
}

export interface AdmissionVerdict {
  allowed: boolean;
  problems: Problem[];
  warnings: Warning[];
}

interface Candidate {
  ingress: V1Ingress;
  ref: ObjectRef;
  parsed: Parsed<IngressSettings>;
  classParams?: ClassParams;
  group: GroupId;
}

interface GroupMembers {
  group: GroupId;
  active: Candidate[];
  inactive: V1Ingress[];
}

function refOf(ing: V1Ingress): ObjectRef {
  return { kind: 'Ingress', namespace: namespaceOf(ing), name: nameOf(ing) };
}

function memberRef(ing: V1Ingress): MemberRef {
  return {
    namespace: namespaceOf(ing),
    name: nameOf(ing),
    uid: ing.metadata?.uid ?? '',
    resourceVersion: ing.metadata?.resourceVersion ?? '',
  };
}

/**
 * Active = managed and not deleting; every group in a finalizer that is not the active group is inactive.
 * With `only`, just that stack, and the Ingresses whose probable stacks do not include it are skipped
 * unparsed.
 */
function collectGroups(
  ingresses: Iterable<V1Ingress>,
  classes: ClassObjects,
  only?: string,
): Map<string, GroupMembers> {
  const groups = new Map<string, GroupMembers>();
  const entry = (g: GroupId) => {
    const id = stackIdOf(g);
    let e = groups.get(id);
    if (!e) {
      e = { group: g, active: [], inactive: [] };
      groups.set(id, e);
    }
    return e;
  };
  for (const ing of ingresses) {
    if (only !== undefined && !probableStackIds(ing, classes).has(only)) continue;
    let activeId: string | undefined;
    const held = groupsFromFinalizers(ing);
    // Its class (or the class params that may name its group) cannot be read, so whether it left the
    // groups it holds is unknown: it stays in them, where its problem fails the build and nothing is
    // sent, rather than counting as gone (its rules, or the whole ALB, deleted). The LBC errors likewise.
    const stayInHeldGroups = (parsed: Parsed<IngressSettings>) => {
      for (const g of held)
        if (only === undefined || stackIdOf(g) === only)
          entry(g).active.push({ ingress: ing, ref: refOf(ing), parsed, group: g });
    };
    const deleting = isDeleting(ing);
    if (!deleting && held.length > 0 && !isManagedIngress(ing, classes.ingressClasses)) {
      const missing = unresolvedClassProblem(ing, classes.ingressClasses);
      if (missing) {
        const { parsed } = ingressConfig(ing, classes);
        stayInHeldGroups({ ...parsed, problems: [missing, ...parsed.problems] });
        continue;
      }
    }
    if (isManagedIngress(ing, classes.ingressClasses) && !deleting) {
      const { parsed, classParams, unresolvedClass } = ingressConfig(ing, classes);
      if (unresolvedClass && held.length > 0) {
        stayInHeldGroups(parsed);
        continue;
      }
      const group = groupOf(ing, parsed.value);
      activeId = stackIdOf(group);
      if (only === undefined || activeId === only)
        entry(group).active.push({
          ingress: ing,
          ref: refOf(ing),
          parsed,
          ...(classParams ? { classParams } : {}),
          group,
        });
    }
    for (const g of held) {
      const id = stackIdOf(g);
      if (id !== activeId && (only === undefined || id === only)) entry(g).inactive.push(ing);
    }
  }
  return groups;
}

function buildFromMembers(
  stackId: string,
  gm: GroupMembers,
  index: ClusterIndex,
  opts: BuildOptions,
): { build: StackBuild; group?: GroupBuild } {
  const ordered = [...gm.active].sort((a, b) =>
    compareMembers(
      { namespace: a.ref.namespace, name: a.ref.name, order: a.parsed.value.groupOrder ?? 0 },
      { namespace: b.ref.namespace, name: b.ref.name, order: b.parsed.value.groupOrder ?? 0 },
    ),
  );
  const base = {
    stackId,
    members: ordered.map((c) => memberRef(c.ingress)),
    inactiveMembers: gm.inactive
      .map(memberRef)
      .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`)),
  };
  const annotationWarnings: Warning[] = ordered.flatMap((c) =>
    c.parsed.warnings.map((message) => ({ object: c.ref, message })),
  );
  // As the LBC: a deleting member that protects the load balancer holds the whole group until it stops.
  const protectedDeletions = gm.inactive
    .filter(isDeleting)
    .map((ing) => deletionProtectionProblem(ing, stackId))
    .filter((p): p is Problem => p !== undefined);
  if (ordered.length === 0) {
    const result: StackBuildResult =
      protectedDeletions.length > 0
        ? { ok: false, problems: protectedDeletions, warnings: [] }
        : { ok: true, stack: null, warnings: [] };
    return { build: { ...base, result } };
  }

  const annotationProblems: Problem[] = ordered.flatMap((c) =>
    c.parsed.problems.map((p) => ({ ...p, object: c.ref })),
  );
  const members: Member[] = ordered.map((c) => ({
    ingress: c.ingress,
    ref: c.ref,
    order: c.parsed.value.groupOrder ?? 0,
    settings: c.parsed.value,
    ...(c.classParams ? { classParams: c.classParams } : {}),
  }));
  const g = buildGroup(opts.clusterName, gm.group, stackId, members, index);
  const warnings = [...annotationWarnings, ...g.warnings];
  const problems = [
    ...protectedDeletions,
    ...annotationProblems,
    ...g.problems,
    ...g.conflicts.map((c) => conflictProblem(c, 'b')),
  ];
  if (problems.length > 0 || !g.stack)
    return { build: { ...base, result: { ok: false, problems, warnings } }, group: g };
  return { build: { ...base, result: { ok: true, stack: g.stack, warnings } }, group: g };
}

/** Every stack with at least one active or inactive member, sorted by stack id. */
export function buildStacks(objects: ClusterObjects, opts: BuildOptions): StackBuild[] {
  const index = indexCluster(objects);
  return [...collectGroups(objects.ingresses, objects)]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, gm]) => buildFromMembers(id, gm, index, opts).build);
}

/** One stack (what the forwarder rebuilds when it is dirty); undefined when nothing refers to it. */
export function buildStack(
  stackId: string,
  objects: ClusterObjects | ClusterView,
  opts: BuildOptions,
): StackBuild | undefined {
  const view = asView(objects);
  const gm = collectGroups(view.ingressesFor(stackId), view.classes, stackId).get(stackId);
  return gm ? buildFromMembers(stackId, gm, view.index, opts).build : undefined;
}

const asView = (o: ClusterObjects | ClusterView): ClusterView => ('ingressesFor' in o ? o : viewOf(o));

const sameRef = (a: ObjectRef | undefined, b: ObjectRef) =>
  a !== undefined && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;

/** The Ingresses `view` offers for a stack, with `candidate` in place of its stored version. */
function* withCandidate(view: ClusterView, stackId: string, candidate: V1Ingress): Iterable<V1Ingress> {
  const ns = namespaceOf(candidate);
  const name = nameOf(candidate);
  for (const i of view.ingressesFor(stackId)) if (!(namespaceOf(i) === ns && nameOf(i) === name)) yield i;
  yield candidate;
}

/**
 * What admission decides for `candidate`: foreign and deleting Ingresses are always allowed; otherwise
 * its group is built with the candidate in place, and every problem that involves the candidate denies
 * it (its annotations, paths, limits it pushes over, conflicts with another member — named — and bad
 * annotations on the Services it uses). Problems that belong to other members alone do not. Given a
 * `ClusterView` kept up to date, only the candidate's group is read.
 */
export function validateIngress(
  candidate: V1Ingress,
  objects: ClusterObjects | ClusterView,
  opts: BuildOptions,
): AdmissionVerdict {
  const view = asView(objects);
  if (!isManagedIngress(candidate, view.classes.ingressClasses) || isDeleting(candidate)) {
    return { allowed: true, problems: [], warnings: [] };
  }
  const self = refOf(candidate);
  const { parsed } = ingressConfig(candidate, view.classes);
  const stackId = stackIdOf(groupOf(candidate, parsed.value));
  const gm = collectGroups(withCandidate(view, stackId, candidate), view.classes, stackId).get(stackId);
  if (!gm) return { allowed: true, problems: [], warnings: [] };
  const { build, group } = buildFromMembers(stackId, gm, view.index, opts);

  const usedServices = servicesUsedBy(candidate, parsed.value);
  const involvesCandidate = (p: Problem) =>
    sameRef(p.object, self) ||
    (p.object.kind === 'Service' && p.object.namespace === self.namespace && usedServices.has(p.object.name));
  const problems: Problem[] = [];
  if (!build.result.ok) {
    for (const p of build.result.problems) if (involvesCandidate(p) && !p.related) problems.push(p);
  }
  for (const c of group?.conflicts ?? []) {
    if (sameRef(c.b.ref, self)) problems.push(conflictProblem(c, 'b'));
    else if (sameRef(c.a.ref, self)) problems.push(conflictProblem(c, 'a'));
  }
  const warnings = build.result.warnings.filter((w) => sameRef(w.object, self));
  return { allowed: problems.length === 0, problems, warnings };
}

function servicesUsedBy(ing: V1Ingress, settings: IngressSettings): Set<string> {
  const out = new Set<string>();
  const add = (name: string | undefined) => name && out.add(name);
  add(ing.spec?.defaultBackend?.service?.name);
  for (const r of ing.spec?.rules ?? []) for (const p of r.http?.paths ?? []) add(p.backend?.service?.name);
  for (const a of Object.values(settings.actions)) {
    if (a.type === 'forward') for (const t of a.targetGroups) if ('serviceName' in t) add(t.serviceName);
  }
  return out;
}

/**
 * What admission decides for deleting `ingress` (a DELETE request's old object): an Ingress of ours
 * whose own `load-balancer-attributes` enable deletion protection is refused with the reason, as the
 * build would otherwise hold it Terminating (see `deletionProtectionProblem`).
 */
export function validateIngressDeletion(ingress: V1Ingress, objects: ClassObjects): AdmissionVerdict {
  const groups = groupsFromFinalizers(ingress);
  if (!isManagedIngress(ingress, objects.ingressClasses) && groups.length === 0)
    return { allowed: true, problems: [], warnings: [] };
  const group = groups[0] ?? groupOf(ingress, ingressConfig(ingress, objects).parsed.value);
  const problem = deletionProtectionProblem(ingress, stackIdOf(group));
  return problem
    ? { allowed: false, problems: [problem], warnings: [] }
    : { allowed: true, problems: [], warnings: [] };
}
