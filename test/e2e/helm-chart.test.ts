/**
 * The Helm chart against a real kube-apiserver: `helm install` / `upgrade` / `uninstall` as an operator
 * runs them; every rendered object is accepted by the API server's own validation (server-side dry run);
 * the RBAC grants what it should; and the webhook configurations' namespaceSelector + CEL matchConditions
 * send exactly our Ingresses to the webhook. The webhook here is a recording stub on loopback so this
 * suite checks the chart alone; test/e2e/albatross.test.ts runs the real webhook behind the same configs.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import {
  CHART,
  helmAvailable,
  NAMESPACE,
  RELEASE,
  releaseNamespace,
  runHelm,
  TEST_VALUES,
} from '../support/helm';
import {
  assetsAvailable,
  type K8sObject,
  type Kube,
  renderManifests,
  startKube,
  webhookConfigsFor,
} from '../support/kube';
import { type AdmissionStub, startAdmissionStub } from './admission-stub';

function ingress(
  namespace: string,
  name: string,
  opts: { className?: string; legacyClass?: string } = {},
): K8sObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      namespace,
      name,
      ...(opts.legacyClass ? { annotations: { 'kubernetes.io/ingress.class': opts.legacyClass } } : {}),
    },
    spec: {
      ...(opts.className ? { ingressClassName: opts.className } : {}),
      defaultBackend: { service: { name: 'web', port: { number: 80 } } },
    },
  };
}

const toYaml = (objs: K8sObject[]) => objs.map((o) => stringify(o)).join('---\n');

describe.skipIf(!assetsAvailable())('the Helm chart on a real API server', () => {
  let kube: Kube;
  let dir: string;
  let recorder: AdmissionStub;
  let manifests: K8sObject[] = [];

  beforeAll(async () => {
    manifests = renderManifests();
    dir = mkdtempSync(join(tmpdir(), 'albatross-manifests-'));
    [kube, recorder] = await Promise.all([startKube(), startAdmissionStub(dir)]);
  });

  afterAll(async () => {
    await kube?.stop();
    await new Promise((r) => recorder?.server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs with helm (generated certificate), keeps the CA across an upgrade, and uninstalls cleanly', async () => {
    // The namespace as the docs create it (restricted Pod Security), before the release.
    const created = await kube.kubectl(['apply', '-f', '-'], { input: toYaml([releaseNamespace()]) });
    expect(created.code, created.stderr).toBe(0);
    const helm = (args: string[]) =>
      runHelm([...args, '--namespace', NAMESPACE], { kubeconfig: kube.kubeconfigPath, home: dir });

    const installed = helm(['install', RELEASE, CHART, '--values', TEST_VALUES]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stderr).not.toMatch(/PodSecurity|Warning/);
    expect(installed.stdout).toContain('STATUS: deployed');

    const get = async (args: string[]) => {
      const r = await kube.kubectl(['get', ...args, '-o', 'json']);
      return r.code === 0 ? (JSON.parse(r.stdout) as unknown) : r.stderr;
    };
    const caBundles = async () =>
      Promise.all(
        ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration'].map(async (k) => {
          const cfg = (await get([k, 'albatross'])) as { webhooks: { clientConfig: { caBundle: string } }[] };
          return cfg.webhooks[0]?.clientConfig.caBundle;
        }),
      );
    const dep = (await get(['deployment', 'albatross-webhook', '-n', NAMESPACE])) as {
      spec: { replicas: number };
    };
    expect(dep.spec.replicas).toBe(2);
    expect(await get(['ingressclass', 'alb'])).toMatchObject({ spec: { controller: 'ingress.k8s.aws/alb' } });
    // The chart's crds/: IngressClassParams is known to the API server now.
    expect(await get(['crd', 'ingressclassparams.elbv2.k8s.aws'])).toMatchObject({
      spec: { group: 'elbv2.k8s.aws', names: { kind: 'IngressClassParams' } },
    });
    const secret = (await get(['secret', 'albatross-webhook-tls', '-n', NAMESPACE])) as {
      data: Record<string, string>;
    };
    const firstCa = secret.data['ca.crt'];
    expect(firstCa).toBeTruthy();
    expect(await caBundles()).toEqual([firstCa, firstCa]);

    // The configurations are live: our Ingresses now need the (absent) webhook, foreign ones do not.
    await kube.kubectl(['create', 'namespace', 'apps']);
    const ours = await kube.kubectl(['apply', '-f', '-'], {
      input: toYaml([ingress('apps', 'helm-ours', { className: 'alb' })]),
    });
    expect(ours.code).not.toBe(0);
    expect(ours.stderr).toContain('failed calling webhook "mingress.albatross.dev"');
    const foreign = await kube.kubectl(['apply', '-f', '-'], {
      input: toYaml([ingress('apps', 'helm-foreign', { className: 'nginx' })]),
    });
    expect(foreign.code, foreign.stderr).toBe(0);

    // An upgrade looks the Secret up and reuses it: the caBundle the API server trusts does not change.
    const upgraded = helm(['upgrade', RELEASE, CHART, '--values', TEST_VALUES, '--set', 'replicaCount=3']);
    expect(upgraded.code, upgraded.stderr).toBe(0);
    expect(await caBundles()).toEqual([firstCa, firstCa]);
    expect(
      ((await get(['deployment', 'albatross-webhook', '-n', NAMESPACE])) as { spec: { replicas: number } })
        .spec.replicas,
    ).toBe(3);

    const removed = helm(['uninstall', RELEASE, '--wait', '--timeout', '60s']);
    expect(removed.code, removed.stderr).toBe(0);
    for (const args of [
      ['mutatingwebhookconfiguration', 'albatross'],
      ['validatingwebhookconfiguration', 'albatross'],
      ['ingressclass', 'alb'],
      ['clusterrole', 'albatross'],
      ['deployment', 'albatross-webhook', '-n', NAMESPACE],
      ['secret', 'albatross-webhook-tls', '-n', NAMESPACE],
      ['serviceaccount', 'albatross', '-n', NAMESPACE],
    ]) {
      expect(await get(args), args.join(' ')).toMatch(/NotFound/);
    }
    const after = await kube.kubectl(['apply', '-f', '-'], {
      input: toYaml([ingress('apps', 'helm-after-uninstall', { className: 'alb' })]),
    });
    expect(after.code, after.stderr).toBe(0);
  });

  it('accepts every rendered object (server-side dry run)', async () => {
    const ns = manifests.filter((o) => o.kind === 'Namespace');
    const rest = manifests.filter((o) => o.kind !== 'Namespace');
    expect(ns.map((o) => o.metadata.name)).toEqual([NAMESPACE]);
    // A server-side dry run of namespaced objects needs their namespace to exist for real.
    const created = await kube.kubectl(['apply', '-f', '-'], { input: toYaml(ns) });
    expect(created.code, created.stderr).toBe(0);

    const dry = await kube.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: toYaml(rest) });
    expect(dry.stderr).toBe(''); // also: no "would violate PodSecurity" warning (namespace enforces restricted)
    expect(dry.code).toBe(0);
    for (const o of rest) {
      expect(dry.stdout, `${o.kind}/${o.metadata.name}`).toMatch(
        new RegExp(`/${o.metadata.name} (created|configured) \\(server dry run\\)`),
      );
    }
    const after = await kube.kubectl(['get', 'deployment', '-n', 'albatross-system', 'albatross-webhook']);
    expect(after.code).not.toBe(0); // a dry run persists nothing
    expect(after.stderr).toContain('NotFound');
  });

  it('grants the ServiceAccount what it needs and nothing more (RBAC applied for real, kubectl auth can-i)', async () => {
    const rbac = manifests.filter((o) =>
      ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind),
    );
    const applied = await kube.kubectl(['apply', '-f', '-'], { input: toYaml(rbac) });
    expect(applied.code, applied.stderr).toBe(0);
    const sa = 'system:serviceaccount:albatross-system:albatross';
    const can = async (verb: string, resource: string, namespace?: string, sub?: string) => {
      const args = ['auth', 'can-i', verb, resource, `--as=${sa}`];
      if (namespace) args.push('-n', namespace);
      else args.push('--all-namespaces');
      if (sub) args.push(`--subresource=${sub}`);
      const r = await kube.kubectl(args);
      return r.stdout.trim();
    };
    const allowed: [string, string, string?, string?][] = [
      ['list', 'ingresses.networking.k8s.io'],
      ['watch', 'ingresses.networking.k8s.io'],
      ['patch', 'ingresses.networking.k8s.io'],
      ['patch', 'ingresses.networking.k8s.io', undefined, 'status'],
      ['watch', 'ingressclasses.networking.k8s.io'],
      ['watch', 'services'],
      ['watch', 'nodes'],
      ['watch', 'endpointslices.discovery.k8s.io'],
      ['watch', 'ingressclassparams.elbv2.k8s.aws'],
      ['watch', 'namespaces'],
      ['watch', 'pods'],
      ['patch', 'pods', undefined, 'status'],
      ['create', 'events'],
      ['create', 'events.events.k8s.io'],
      ['create', 'leases.coordination.k8s.io', 'albatross-system'],
      ['update', 'leases.coordination.k8s.io', 'albatross-system'],
      ['watch', 'pods'],
      ['watch', 'namespaces'],
      ['patch', 'pods', 'shop', 'status'],
    ];
    const denied: [string, string, string?, string?][] = [
      ['get', 'secrets'],
      ['list', 'secrets', 'albatross-system'],
      ['update', 'ingresses.networking.k8s.io'],
      ['delete', 'ingresses.networking.k8s.io'],
      ['create', 'ingresses.networking.k8s.io'],
      ['update', 'ingresses.networking.k8s.io', undefined, 'status'],
      ['patch', 'services'],
      ['patch', 'pods'],
      ['delete', 'pods', 'apps'],
      ['get', 'configmaps', 'kube-system'],
      ['create', 'leases.coordination.k8s.io', 'kube-system'],
      ['delete', 'leases.coordination.k8s.io', 'albatross-system'],
      ['create', 'pods', 'albatross-system'],
      ['patch', 'pods', 'shop'],
      ['update', 'pods', 'shop', 'status'],
      ['delete', 'pods', 'shop'],
      ['patch', 'validatingwebhookconfigurations.admissionregistration.k8s.io'],
    ];
    for (const [verb, resource, ns, sub] of allowed) {
      expect(
        await can(verb, resource, ns, sub),
        `${verb} ${resource}${sub ? `/${sub}` : ''} ${ns ?? ''}`,
      ).toBe('yes');
    }
    for (const [verb, resource, ns, sub] of denied) {
      expect(
        await can(verb, resource, ns, sub),
        `${verb} ${resource}${sub ? `/${sub}` : ''} ${ns ?? ''}`,
      ).toBe('no');
    }
  });

  it('sends our Ingresses, and only ours, to both webhooks', async () => {
    const configs = webhookConfigsFor(manifests, recorder.url, recorder.caPem);
    const applied = await kube.kubectl(['apply', '-f', '-'], { input: toYaml(configs) });
    expect(applied.stderr).toBe('');

    // Webhook configurations reach the admission chain asynchronously: wait until a probe goes through.
    const deadline = Date.now() + 30_000;
    while (!recorder.seen.some((s) => s.name === 'probe')) {
      if (Date.now() > deadline) throw new Error('webhook configurations never took effect');
      await kube.kubectl(['apply', '--dry-run=server', '-f', '-'], {
        input: toYaml([ingress('apps', 'probe', { className: 'alb' })]),
      });
      await new Promise((r) => setTimeout(r, 300));
    }
    recorder.seen.length = 0;

    const cases = [
      ingress('apps', 'class-alb', { className: 'alb' }),
      ingress('apps', 'no-class'),
      ingress('apps', 'class-nginx', { className: 'nginx' }),
      // The API server itself rejects a legacy annotation that differs from ingressClassName on create.
      ingress('apps', 'legacy-alb', { legacyClass: 'alb' }),
      ingress('apps', 'legacy-nginx', { legacyClass: 'nginx' }),
      ingress('kube-system', 'in-kube-system', { className: 'alb' }),
      ingress('albatross-system', 'in-albatross-system', { className: 'alb' }),
    ];
    const res = await kube.kubectl(['apply', '-f', '-'], { input: toYaml(cases) });
    expect(
      res.stderr.replace(/^Warning: annotation "kubernetes.io\/ingress.class" is deprecated.*\n/gm, ''),
    ).toBe('');
    expect(res.code).toBe(0);

    const reached = (path: string) =>
      recorder.seen
        .filter((s) => s.path === path)
        .map((s) => `${s.namespace}/${s.name}`)
        .sort();
    const ours = ['apps/class-alb', 'apps/legacy-alb', 'apps/no-class'];
    expect(reached('/mutate')).toEqual(ours);
    expect(reached('/validate')).toEqual(ours);
    expect(recorder.seen.every((s) => s.operation === 'CREATE' && !s.dryRun)).toBe(true);
  });

  it('passes dryRun through (sideEffects: NoneOnDryRun) and surfaces a denial in kubectl', async () => {
    recorder.seen.length = 0;
    const dry = await kube.kubectl(['apply', '--dry-run=server', '-f', '-'], {
      input: toYaml([ingress('apps', 'dry', { className: 'alb' })]),
    });
    expect(dry.code).toBe(0);
    expect(recorder.seen.map((s) => [s.path, s.dryRun])).toEqual([
      ['/mutate', true],
      ['/validate', true],
    ]);

    const denied = await kube.kubectl(['apply', '-f', '-'], {
      input: toYaml([ingress('apps', 'deny-me', { className: 'alb' })]),
    });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('admission webhook "vingress.albatross.dev" denied the request');
    expect(denied.stderr).toContain('metadata.name: deny-me: expected the recorder to deny');
  });

  it('lets foreign Ingresses through even when the webhook is down (failurePolicy only hits ours)', async () => {
    await new Promise((r) => recorder.server.close(r));
    const foreign = await kube.kubectl(['apply', '-f', '-'], {
      input: toYaml([ingress('apps', 'foreign-while-down', { className: 'nginx' })]),
    });
    expect(foreign.stderr).toBe('');
    expect(foreign.code).toBe(0);
    const ours = await kube.kubectl(['apply', '-f', '-'], {
      input: toYaml([ingress('apps', 'ours-while-down', { className: 'alb' })]),
    });
    expect(ours.code).not.toBe(0);
    expect(ours.stderr).toContain('failed calling webhook "mingress.albatross.dev"');
  });
});

// Guards the helper that the other e2e suite relies on, without needing the assets.
describe.skipIf(!helmAvailable())('webhookConfigsFor', () => {
  it('points both webhooks at a URL with its caBundle and drops the cert-manager injection', () => {
    const out = webhookConfigsFor(renderManifests(), 'https://127.0.0.1:1234', 'PEM');
    expect(out.map((o) => o.kind).sort()).toEqual([
      'MutatingWebhookConfiguration',
      'ValidatingWebhookConfiguration',
    ]);
    for (const cfg of out) {
      const hook = (cfg.webhooks as { clientConfig: unknown }[])[0];
      expect(hook?.clientConfig).toEqual({
        url: `https://127.0.0.1:1234${cfg.kind.startsWith('Mutating') ? '/mutate' : '/validate'}`,
        caBundle: Buffer.from('PEM').toString('base64'),
      });
      expect(cfg.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBeUndefined();
    }
    expect(parseAllDocuments(toYaml(out))).toHaveLength(2);
  });
});
