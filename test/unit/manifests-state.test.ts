/** The manifests source of the cluster state (local mode, tests): every watched kind, cluster-scoped ones unnamespaced. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { validateIngress } from '../../shared/build';
import { ManifestsClusterState } from '../../webhook/manifests-state';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'albatross-manifests-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('reads IngressClassParams and Namespaces, so admission in local mode applies the class', async () => {
  writeFileSync(
    join(dir, 'class.yaml'),
    `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {tier: public}}
---
apiVersion: elbv2.k8s.aws/v1beta1
kind: IngressClassParams
metadata: {name: public}
spec: {namespaceSelector: {matchLabels: {tier: public}}, scheme: internet-facing}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: alb-public}
spec:
  controller: ingress.k8s.aws/alb
  parameters: {apiGroup: elbv2.k8s.aws, kind: IngressClassParams, name: public}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations: {alb.ingress.kubernetes.io/scheme: internal}
spec:
  ingressClassName: alb-public
  defaultBackend: {service: {name: web, port: {number: 80}}}
`,
  );
  const state = new ManifestsClusterState(dir);
  await state.reload();
  const objects = state.snapshot();
  expect(objects.ingressClassParams.map((p) => [p.metadata?.name, p.metadata?.namespace])).toEqual([
    ['public', undefined],
  ]);
  expect(objects.namespaces.map((n) => n.metadata?.labels)).toEqual([{ tier: 'public' }]);
  const v = validateIngress(objects.ingresses[0]!, objects, { clusterName: 'local' });
  expect(v.allowed).toBe(true);
  expect(v.warnings.map((w) => w.message)).toContain(
    'alb.ingress.kubernetes.io/scheme: internal is overridden by IngressClassParams public spec.scheme (internet-facing)',
  );
});
