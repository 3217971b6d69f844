/**
 * What every step of a group build shares: the members in member order, the cluster lookups, and one
 * collector of findings. The collector drops exact repeats, so a mistake reached from several paths
 * (one Ingress annotation used by three target groups) is still one denial.
 */
import type { V1Ingress } from '@kubernetes/client-node';
import type { IngressSettings } from '../annotations/types';
import type { GroupId } from '../groups';
import type { ClassParams } from '../ingress-class-params';
import type { Action, DesiredStack, DesiredTargetGroup } from '../model';
import type { ObjectRef, Problem, Warning } from '../problems';
import type { ClusterIndex } from './cluster-index';
import { type GroupSettings, mergeGroupSettings } from './members';

export interface Member {
  ingress: V1Ingress;
  ref: ObjectRef;
  order: number;
  /** Annotations with the class's IngressClassParams laid over them (shared/ingress-config.ts). */
  settings: IngressSettings;
  /** The class's params: its targetType and tags also win over Service annotations; messages name it. */
  classParams?: ClassParams;
}

/** Two members disagree; reported on whichever side the caller is looking from. */
export interface Conflict {
  field: string;
  group: string;
  a: { ref: ObjectRef; value: string };
  b: { ref: ObjectRef; value: string };
}

export interface GroupBuild {
  stack: DesiredStack | undefined;
  problems: Problem[];
  conflicts: Conflict[];
  warnings: Warning[];
}

const refKey = (r: ObjectRef | undefined) => (r ? `${r.kind}:${r.namespace}/${r.name}` : '');

export class Findings {
  readonly problems: Problem[] = [];
  readonly conflicts: Conflict[] = [];
  readonly warnings: Warning[] = [];
  private readonly seen = new Set<string>();

  private first(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  problem(p: Problem): void {
    const k = `P\0${refKey(p.object)}\0${p.field}\0${p.value}\0${p.expected}\0${refKey(p.related)}`;
    if (this.first(k)) this.problems.push(p);
  }

  conflict(c: Conflict): void {
    const k = `C\0${c.field}\0${refKey(c.a.ref)}\0${c.a.value}\0${refKey(c.b.ref)}\0${c.b.value}`;
    if (this.first(k)) this.conflicts.push(c);
  }

  warn(w: Warning): void {
    if (this.first(`W\0${refKey(w.object)}\0${w.message}`)) this.warnings.push(w);
  }

  get failed(): boolean {
    return this.problems.length > 0 || this.conflicts.length > 0;
  }
}

export interface BuildContext {
  cluster: string;
  group: GroupId;
  stackId: string;
  /** In member order: it drives rule priorities, the default certificate and conflict ownership. */
  members: readonly Member[];
  index: ClusterIndex;
  findings: Findings;
  /** Group-wide settings, merged once (their conflicts are already in `findings`). */
  settings: GroupSettings;
  /** Target groups of this stack by `resourceId`, created on first reference. */
  targetGroups: Map<string, DesiredTargetGroup>;
  /** Member, Service and port as written → its target group's `resourceId`, or the action instead. */
  backends: Map<string, string | Action>;
}

/** What merging the group-wide settings needs: everything but the settings themselves. */
export type MergeContext = Omit<BuildContext, 'settings'>;

export function newContext(
  cluster: string,
  group: GroupId,
  stackId: string,
  members: readonly Member[],
  index: ClusterIndex,
): BuildContext {
  const base: MergeContext = {
    cluster,
    group,
    stackId,
    members,
    index,
    findings: new Findings(),
    targetGroups: new Map(),
    backends: new Map(),
  };
  return { ...base, settings: mergeGroupSettings(base) };
}
