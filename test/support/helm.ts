/**
 * The Helm chart (infra/helm/albatross) through the real `helm`, built from the Go module proxy by
 * scripts/helm.sh into ~/.cache/albatross/helm/<version>/helm (or named by HELM).
 *
 *   const objects = renderChart({ certManager: { enabled: true } });
 *   const r = runHelm(['install', 'albatross', CHART, …], { kubeconfig, home });
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from './kube';

/** Kept in step with scripts/helm.sh. */
export const HELM_VERSION = 'v3.21.4';

export const CHART = fileURLToPath(new URL('../../infra/helm/albatross', import.meta.url));
/** The four required values for a made-up cluster (also what `helm lint` runs with). */
export const TEST_VALUES = join(CHART, 'ci', 'test-values.yaml');
export const RELEASE = 'albatross';
export const NAMESPACE = 'albatross-system';

export const HELM_SKIP_MESSAGE =
  'helm not found: run `bash scripts/helm.sh` (builds it once into ~/.cache/albatross/helm) or set HELM ' +
  'to a helm v3 binary';

export function helmBinary(): string | undefined {
  const candidates = [
    process.env.HELM,
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'albatross', 'helm', HELM_VERSION, 'helm'),
  ];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

export function helmAvailable(): boolean {
  const available = helmBinary() !== undefined;
  if (!available) console.warn(`[skip] ${HELM_SKIP_MESSAGE}`);
  return available;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface HelmOptions {
  /** Written to stdin (values with `-f -`). */
  input?: string;
  kubeconfig?: string;
  /**
   * Where helm keeps its cache, config and data (repositories, registry logins). A test passes its own
   * temp folder so that nothing is written to the user's home.
   */
  home?: string;
}

export function runHelm(args: string[], o: HelmOptions = {}): HelmResult {
  const bin = helmBinary();
  if (!bin) throw new Error(HELM_SKIP_MESSAGE);
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The test API server is on loopback: never through a proxy.
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy'])
    delete env[k];
  env.NO_PROXY = env.no_proxy = '127.0.0.1,localhost';
  if (o.home) {
    env.HELM_CACHE_HOME = join(o.home, 'helm-cache');
    env.HELM_CONFIG_HOME = join(o.home, 'helm-config');
    env.HELM_DATA_HOME = join(o.home, 'helm-data');
    // client-go's discovery cache, ~/.kube/cache by default: one folder per (throwaway) API server.
    env.KUBECACHEDIR = join(o.home, 'kube-cache');
  }
  if (o.kubeconfig) env.KUBECONFIG = o.kubeconfig;
  const r = spawnSync(bin, args, { input: o.input ?? '', encoding: 'utf8', env, timeout: 120_000 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  /** Values on top of TEST_VALUES (deep-merged by helm). */
  values?: Record<string, unknown>;
}

/** `helm template` of the chart, as objects; throws with helm's message when rendering fails. */
export function renderChart(o: RenderOptions = {}): K8sObject[] {
  const r = templateChart(o);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJSON() as K8sObject | null)
    .filter((x): x is K8sObject => x !== null);
}

/** `helm template` as it ran (for the tests of refused values). */
export function templateChart(o: RenderOptions & { testValues?: boolean } = {}): HelmResult {
  const args = ['template', o.release ?? RELEASE, CHART, '--namespace', o.namespace ?? NAMESPACE];
  if (o.testValues !== false) args.push('--values', TEST_VALUES);
  args.push('--values', '-');
  return runHelm(args, { input: JSON.stringify(o.values ?? {}) });
}

/**
 * The release namespace as the docs create it: the webhook pods meet the `restricted` Pod Security
 * Standard, so it is enforced (a later change that breaks it fails to roll out instead of going unnoticed).
 */
export function releaseNamespace(name = NAMESPACE): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/warn-version': 'latest',
      },
    },
  };
}
