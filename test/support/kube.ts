/**
 * The e2e suites' side of the real etcd + kube-apiserver (cli/dev/kube.ts, which local mode uses too):
 * the skip notice, and the project's Helm chart rendered for loopback.
 */
import { assetsDir, KUBE_SKIP_MESSAGE } from '../../cli/dev/kube';
import { helmAvailable, releaseNamespace, renderChart } from './helm';

export * from '../../cli/dev/kube';

/**
 * Whether the e2e suites can run: the API server assets, and helm (every suite installs the project's own
 * RBAC and webhook configurations, rendered from the Helm chart by `renderManifests`).
 */
export function assetsAvailable(): boolean {
  return apiServerAvailable() && helmAvailable();
}

/** The API server assets alone (local mode's suite needs no helm). */
export function apiServerAvailable(): boolean {
  const available = assetsDir() !== undefined;
  if (!available) console.warn(`[skip] ${KUBE_SKIP_MESSAGE}`);
  return available;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; [k: string]: unknown };
  [key: string]: unknown;
}

/**
 * The project's Helm chart rendered with the test values (release `albatross` in `albatross-system`),
 * preceded by that namespace as the docs create it (the chart itself creates no namespace).
 */
export function renderManifests(): K8sObject[] {
  return [releaseNamespace(), ...renderChart()];
}

/**
 * The project's own webhook configurations, re-pointed from the in-cluster Service to a loopback URL
 * with the given CA (in place of the chart's generated one, or cert-manager's injection).
 */
export function webhookConfigsFor(manifests: K8sObject[], baseUrl: string, caPem: string): K8sObject[] {
  return manifests
    .filter((o) => o.kind === 'MutatingWebhookConfiguration' || o.kind === 'ValidatingWebhookConfiguration')
    .map((o) => {
      const copy = structuredClone(o);
      delete copy.metadata.annotations?.['cert-manager.io/inject-ca-from'];
      const hooks = copy.webhooks as { clientConfig: { service?: { path?: string } } }[];
      for (const hook of hooks) {
        const path = hook.clientConfig.service?.path ?? '/';
        hook.clientConfig = {
          url: `${baseUrl}${path}`,
          caBundle: Buffer.from(caPem).toString('base64'),
        } as never;
      }
      return copy;
    });
}
