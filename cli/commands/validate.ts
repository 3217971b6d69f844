/**
 * `albatross validate FILE…`: the admission check, offline (for CI). Every managed Ingress in the files
 * is validated as the webhook would, against all objects of all files (so group conflicts between files
 * are found). Exit 1 on any denial or unreadable input.
 */
import { readFileSync, statSync } from 'node:fs';
import { type BuildOptions, buildStacks, validateIngress } from '../../shared/build';
import type { ClusterObjects } from '../../shared/cluster';
import { isManagedIngress } from '../../shared/ingress-class';
import { formatProblem, formatWarning, type Problem } from '../../shared/problems';
import { defineCommand } from '../command';
import { UsageError } from '../errors';
import { CLUSTER_NAME, JSON_OUTPUT } from '../flags';
import { type ManifestFile, parseManifestFiles, readManifestDir } from '../stack-source';

function readInputs(paths: string[]): { files: ManifestFile[]; problems: string[] } {
  const files: ManifestFile[] = [];
  const problems: string[] = [];
  for (const p of paths) {
    try {
      if (statSync(p).isDirectory()) files.push(...readManifestDir(p));
      else files.push({ path: p, text: readFileSync(p, 'utf8') });
    } catch (err) {
      problems.push(
        `${p}: ${err instanceof UsageError ? err.message : 'cannot be read (no such file, or not readable)'}`,
      );
    }
  }
  return { files, problems };
}

export const command = defineCommand({
  positionals: { synopsis: 'FILE|DIR…', min: 1 },
  flags: {
    'cluster-name': { ...CLUSTER_NAME, default: 'albatross' },
    json: JSON_OUTPUT,
  },
  async run({ flags, positionals, json }) {
    const read = readInputs(positionals);
    const parsed = parseManifestFiles(read.files);
    const inputProblems = [...read.problems, ...parsed.problems];
    const opts = { clusterName: flags['cluster-name'] };
    const problems: Problem[] = [];
    const warnings: string[] = [];
    let checked = 0;
    for (const ing of parsed.objects.ingresses) {
      if (!isManagedIngress(ing, parsed.objects.ingressClasses)) continue;
      checked++;
      const v = validateIngress(ing, parsed.objects, opts);
      problems.push(...v.problems);
      warnings.push(...v.warnings.map(formatWarning));
    }
    const ok = problems.length === 0 && inputProblems.length === 0;
    const notes = ok ? discoveryNotes(parsed.objects, opts) : [];
    if (json) {
      process.stdout.write(
        `${JSON.stringify(
          {
            ok,
            checked,
            problems: [
              ...inputProblems.map((message) => ({ message })),
              ...problems.map((p) => ({
                namespace: p.object.namespace,
                name: p.object.name,
                kind: p.object.kind,
                field: p.field,
                value: p.value,
                expected: p.expected,
                message: formatProblem(p),
              })),
            ],
            warnings,
            notes,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      for (const p of inputProblems) process.stdout.write(`${p}\n`);
      for (const p of problems) process.stdout.write(`${formatProblem(p)}\n`);
      for (const w of warnings) process.stdout.write(`warning: ${w}\n`);
      for (const n of notes) process.stdout.write(`note: ${n}\n`);
      const denied = new Set(problems.map((p) => `${p.object.namespace}/${p.object.name}`)).size;
      process.stdout.write(
        ok
          ? `${checked} managed Ingress(es) valid${warnings.length ? `, ${warnings.length} warning(s)` : ''}\n`
          : [
              problems.length
                ? `${denied} of ${checked} managed Ingress(es) denied, ${problems.length} problem(s)`
                : '',
              inputProblems.length ? `${inputProblems.length} input(s) could not be read` : '',
            ]
              .filter(Boolean)
              .join('; ')
              .concat('\n'),
      );
    }
    return ok ? 0 : 1;
  },
});

/** What offline validation cannot check: certificates found in ACM by host when the reconciler runs. */
function discoveryNotes(objects: ClusterObjects, opts: BuildOptions): string[] {
  const notes: string[] = [];
  for (const b of buildStacks(objects, opts)) {
    if (!b.result.ok || !b.result.stack) continue;
    for (const l of b.result.stack.listeners) {
      if (l.discoverCertificatesFor)
        notes.push(
          `stack ${b.stackId}: HTTPS listener ${l.port}: certificates discovered at reconcile (issued ACM certificates for ${l.discoverCertificatesFor.join(', ')})`,
        );
    }
  }
  return notes;
}
