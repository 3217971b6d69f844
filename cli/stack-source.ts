/**
 * Desired stacks from a directory of manifests, for the commands that compare them with AWS
 * (`reconcile`, `status --manifests`): read every .yaml/.yml/.json file below the directory, parse,
 * build one stack per IngressGroup, and turn each buildable one into the snapshot the Lambda would get.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type {
  V1EndpointSlice,
  V1Ingress,
  V1IngressClass,
  V1Namespace,
  V1Node,
  V1Service,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { buildStacks, type StackBuild } from '../shared/build';
import { type ClusterObjects, emptyClusterObjects } from '../shared/cluster';
import type { IngressClassParamsObject } from '../shared/ingress-class-params';
import { API_VERSION, type StackSnapshot, stackDigest } from '../shared/messages';
import { formatProblem, formatWarning } from '../shared/problems';
import { UsageError } from './args';

export interface ManifestFile {
  path: string;
  text: string;
}

const MANIFEST = /\.(ya?ml|json)$/i;

/** Every manifest file below `dir`, sorted by path (so output and builds are stable). */
export function readManifestDir(dir: string): ManifestFile[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(dir);
  } catch {
    throw new UsageError(`--manifests: ${dir}: no such directory`);
  }
  if (!st.isDirectory())
    throw new UsageError(`--manifests: ${dir}: expected a directory of .yaml/.yml/.json files`);
  const out: ManifestFile[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && MANIFEST.test(entry.name))
        out.push({ path: relative(process.cwd(), p) || p, text: readFileSync(p, 'utf8') });
    }
  };
  walk(dir);
  return out;
}

export interface DesiredStack {
  stackId: string;
  build: StackBuild;
  /** Present when the model built: the snapshot to reconcile (its `stack` is null for a deletion). */
  snapshot?: StackSnapshot;
  /** `namespace/name: field: value: expected …` lines when the model failed. */
  problems: string[];
  warnings: string[];
}

export type ManifestStacks =
  | { ok: true; stacks: DesiredStack[]; files: number }
  /** The manifests themselves do not parse: nothing may be reconciled (and nothing pruned) from them. */
  | { ok: false; problems: string[]; files: number };

export function stacksFromManifests(
  dir: string,
  o: { cluster: string; seq: number; verify: boolean },
): ManifestStacks {
  const files = readManifestDir(dir);
  const parsed = parseManifestFiles(files);
  if (parsed.problems.length > 0) return { ok: false, problems: parsed.problems, files: files.length };
  const stacks = buildStacks(parsed.objects, { clusterName: o.cluster }).map((build): DesiredStack => {
    const warnings = build.result.warnings.map(formatWarning);
    if (!build.result.ok) {
      return { stackId: build.stackId, build, problems: build.result.problems.map(formatProblem), warnings };
    }
    return {
      stackId: build.stackId,
      build,
      snapshot: snapshotOf(build, build.result.stack, o),
      problems: [],
      warnings,
    };
  });
  return { ok: true, stacks, files: files.length };
}

function snapshotOf(
  build: StackBuild,
  stack: StackSnapshot['stack'],
  o: { cluster: string; seq: number; verify: boolean },
): StackSnapshot {
  return {
    apiVersion: API_VERSION,
    kind: 'StackSnapshot',
    cluster: o.cluster,
    stackId: build.stackId,
    seq: o.seq,
    digest: stackDigest(stack),
    verify: o.verify,
    members: build.members,
    inactiveMembers: build.inactiveMembers,
    stack,
  };
}

/**
 * The objects the model reads, from multi-document YAML (or JSON) files; `List` kinds are unwrapped and
 * other kinds ignored. Every document that does not parse is a problem naming the file and document.
 */
export function parseManifestFiles(files: readonly ManifestFile[]): {
  objects: ClusterObjects;
  problems: string[];
} {
  const objects = emptyClusterObjects();
  const problems: string[] = [];
  const add = (o: unknown, where: string) => {
    if (o === null || o === undefined) return;
    if (typeof o !== 'object' || Array.isArray(o)) {
      problems.push(`${where}: ${JSON.stringify(o).slice(0, 60)}: expected a Kubernetes object`);
      return;
    }
    const kind = (o as { kind?: unknown }).kind;
    switch (kind) {
      case 'List':
        for (const item of (o as { items?: unknown[] }).items ?? []) add(item, where);
        return;
      case 'Ingress':
        objects.ingresses.push(o as V1Ingress);
        return;
      case 'IngressClass':
        objects.ingressClasses.push(o as V1IngressClass);
        return;
      case 'IngressClassParams':
        objects.ingressClassParams.push(o as IngressClassParamsObject);
        return;
      case 'Namespace':
        objects.namespaces.push(o as V1Namespace);
        return;
      case 'Service':
        objects.services.push(o as V1Service);
        return;
      case 'Node':
        objects.nodes.push(o as V1Node);
        return;
      case 'EndpointSlice':
        objects.endpointSlices.push(o as V1EndpointSlice);
        return;
      default:
        if (typeof kind !== 'string') problems.push(`${where}: kind: ${String(kind)}: expected a string`);
    }
  };
  for (const f of files) {
    for (const [i, doc] of parseAllDocuments(f.text).entries()) {
      const where = `${f.path}: document ${i + 1}`;
      if (doc.errors.length > 0) {
        problems.push(`${where}: ${doc.errors[0]?.message.split('\n')[0] ?? 'invalid YAML'}`);
        continue;
      }
      add(doc.toJS(), where);
    }
  }
  return { objects, problems };
}
