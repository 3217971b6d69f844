/**
 * The kustomize base in infra/k8s, rendered by the real `kubectl kustomize`, checked for the properties
 * SPEC §8 promises: safe admission settings, least-privilege RBAC, a hardened and highly available pod.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are checked field by field below
  [key: string]: any;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
let objects: Obj[] = [];

function one(kind: string, name?: string): Obj {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  expect(found, `${kind}${name ? `/${name}` : ''}`).toHaveLength(1);
  return found[0]!;
}

beforeAll(() => {
  const out = execFileSync('kubectl', ['kustomize', 'infra/k8s'], { cwd: root, encoding: 'utf8' });
  objects = parseAllDocuments(out).map((d) => d.toJSON() as Obj);
});

describe('infra/k8s', () => {
  it('renders every kind SPEC §8 lists, namespaced ones in albatross-system', () => {
    const kinds = new Set(objects.map((o) => o.kind));
    for (const k of [
      'Namespace',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'ConfigMap',
      'Deployment',
      'PodDisruptionBudget',
      'Service',
      'MutatingWebhookConfiguration',
      'ValidatingWebhookConfiguration',
      'Issuer',
      'Certificate',
      'IngressClass',
    ]) {
      expect(kinds, k).toContain(k);
    }
    const clusterScoped = new Set([
      'Namespace',
      'ClusterRole',
      'ClusterRoleBinding',
      'MutatingWebhookConfiguration',
      'ValidatingWebhookConfiguration',
      'IngressClass',
    ]);
    for (const o of objects) {
      if (clusterScoped.has(o.kind)) expect(o.metadata.namespace, o.kind).toBeUndefined();
      else expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('albatross-system');
    }
  });

  it('declares the IngressClass alb with the LBC controller value', () => {
    expect(one('IngressClass', 'alb').spec).toEqual({ controller: 'ingress.k8s.aws/alb' });
  });

  describe('webhook configurations', () => {
    const pairs = [
      ['MutatingWebhookConfiguration', '/mutate'],
      ['ValidatingWebhookConfiguration', '/validate'],
    ] as const;

    it.each(pairs)('%s admits only Ingress CREATE/UPDATE, safely', (kind, path) => {
      const cfg = one(kind);
      expect(cfg.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe(
        'albatross-system/albatross-webhook',
      );
      const ingressHooks = cfg.webhooks.filter((h: Obj) => h.rules[0].resources.includes('ingresses'));
      expect(ingressHooks).toHaveLength(1);
      const hook = ingressHooks[0];
      expect(hook.sideEffects).toBe('NoneOnDryRun');
      expect(hook.timeoutSeconds).toBeGreaterThan(0);
      expect(hook.timeoutSeconds).toBeLessThanOrEqual(5);
      expect(hook.matchPolicy).toBe('Equivalent');
      expect(hook.failurePolicy).toBe('Fail');
      expect(hook.admissionReviewVersions).toEqual(['v1']);
      expect(hook.clientConfig.service).toEqual({
        name: 'albatross-webhook',
        namespace: 'albatross-system',
        path,
        port: 443,
      });
      expect(hook.rules).toEqual([
        {
          apiGroups: ['networking.k8s.io'],
          apiVersions: ['v1'],
          operations: ['CREATE', 'UPDATE'],
          resources: ['ingresses'],
          scope: 'Namespaced',
        },
      ]);
      expect(hook.namespaceSelector.matchExpressions).toEqual([
        {
          key: 'kubernetes.io/metadata.name',
          operator: 'NotIn',
          values: ['kube-system', 'albatross-system'],
        },
      ]);
      expect(hook.matchConditions).toHaveLength(1);
      const expr: string = hook.matchConditions[0].expression;
      expect(expr).toContain("object.metadata.annotations['kubernetes.io/ingress.class'] == 'alb'");
      expect(expr).toContain("object.spec.ingressClassName in ['alb']");
      expect(expr).toContain('!has(object.spec.ingressClassName)');
    });

    it('the Pod webhook (readiness gates) sees only pod creations in labelled namespaces and can never block one', () => {
      const hooks = one('MutatingWebhookConfiguration').webhooks;
      expect(hooks.map((h: Obj) => h.name)).toEqual(['mingress.albatross.dev', 'mpod.albatross.dev']);
      const pod = hooks[1];
      expect(pod.failurePolicy).toBe('Ignore');
      expect(pod.timeoutSeconds).toBeLessThanOrEqual(3);
      expect(pod.sideEffects).toBe('None');
      expect(pod.clientConfig.service.path).toBe('/mutate-pod');
      expect(pod.rules).toEqual([
        {
          apiGroups: [''],
          apiVersions: ['v1'],
          operations: ['CREATE'],
          resources: ['pods'],
          scope: 'Namespaced',
        },
      ]);
      expect(pod.namespaceSelector.matchLabels).toEqual({
        'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled',
      });
      expect(pod.namespaceSelector.matchExpressions[0].values).toEqual(['kube-system', 'albatross-system']);
      expect(one('Deployment').spec.template.spec.containers[0].args).toContain('--pod-readiness-gates');
    });

    it('both webhooks use the same class filter', () => {
      const m = one('MutatingWebhookConfiguration').webhooks[0].matchConditions;
      const v = one('ValidatingWebhookConfiguration').webhooks[0].matchConditions;
      expect(m).toEqual(v);
    });

    it('the serving certificate covers the Service DNS names and comes from our own CA', () => {
      const cert = one('Certificate', 'albatross-webhook');
      expect(cert.spec.dnsNames).toEqual([
        'albatross-webhook.albatross-system.svc',
        'albatross-webhook.albatross-system.svc.cluster.local',
      ]);
      expect(cert.spec.issuerRef).toEqual({ kind: 'Issuer', name: 'albatross-ca' });
      expect(one('Certificate', 'albatross-ca').spec.isCA).toBe(true);
      expect(one('Issuer', 'albatross-ca').spec.ca.secretName).toBe('albatross-ca');
      expect(one('Issuer', 'albatross-selfsigned').spec.selfSigned).toEqual({});
      const dep = one('Deployment');
      const tls = dep.spec.template.spec.volumes.find((v: Obj) => v.name === 'tls');
      expect(tls.secret.secretName).toBe(cert.spec.secretName);
    });
  });

  describe('RBAC', () => {
    type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
    const verbsFor = (rules: Rule[], group: string, resource: string) =>
      rules
        .filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource))
        .flatMap((r) => r.verbs)
        .sort();

    it('grants exactly what the webhook and forwarder use, cluster-wide', () => {
      const rules: Rule[] = one('ClusterRole', 'albatross').rules;
      expect(verbsFor(rules, 'networking.k8s.io', 'ingresses')).toEqual(['get', 'list', 'patch', 'watch']);
      expect(verbsFor(rules, 'networking.k8s.io', 'ingresses/status')).toEqual(['patch']);
      expect(verbsFor(rules, 'networking.k8s.io', 'ingressclasses')).toEqual(['get', 'list', 'watch']);
      expect(verbsFor(rules, '', 'services')).toEqual(['get', 'list', 'watch']);
      expect(verbsFor(rules, '', 'nodes')).toEqual(['get', 'list', 'watch']);
      expect(verbsFor(rules, 'elbv2.k8s.aws', 'ingressclassparams')).toEqual(['get', 'list', 'watch']);
      expect(verbsFor(rules, 'discovery.k8s.io', 'endpointslices')).toEqual(['get', 'list', 'watch']);
      expect(verbsFor(rules, '', 'events')).toEqual(['create', 'patch']);
      expect(verbsFor(rules, 'events.k8s.io', 'events')).toEqual(['create', 'patch']);
      expect(verbsFor(rules, '', 'namespaces')).toEqual(['get', 'list', 'watch']);
      expect(verbsFor(rules, '', 'pods')).toEqual(['get', 'list', 'watch']);
      expect(verbsFor(rules, '', 'pods/status')).toEqual(['patch']);
      const granted = rules.flatMap((r) =>
        r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}`)),
      );
      expect(granted.sort()).toEqual(
        [
          'networking.k8s.io/ingresses',
          'networking.k8s.io/ingresses/status',
          'networking.k8s.io/ingressclasses',
          '/services',
          '/nodes',
          'elbv2.k8s.aws/ingressclassparams',
          'discovery.k8s.io/endpointslices',
          '/events',
          'events.k8s.io/events',
          '/namespaces',
          '/pods',
          '/pods/status',
        ].sort(),
      );
    });

    it('keeps Lease writes inside albatross-system', () => {
      const role = one('Role', 'albatross-leader-election');
      expect(role.metadata.namespace).toBe('albatross-system');
      expect(role.rules).toEqual([
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
      ]);
      expect(one('RoleBinding').roleRef.name).toBe('albatross-leader-election');
    });

    it('has no wildcards, no Secrets, no escalation verbs anywhere', () => {
      const all: Rule[] = objects
        .filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')
        .flatMap((o) => o.rules);
      for (const r of all) {
        for (const field of [r.apiGroups, r.resources, r.verbs]) expect(field).not.toContain('*');
        expect(r.resources).not.toContain('secrets');
        for (const verb of ['delete', 'deletecollection', 'escalate', 'bind', 'impersonate', 'update'])
          if (!(r.resources.includes('leases') && verb === 'update')) expect(r.verbs).not.toContain(verb);
      }
    });

    it('binds both roles to the albatross ServiceAccount the Deployment runs as', () => {
      const sa = one('ServiceAccount');
      for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
        expect(one(kind).subjects).toEqual([
          { kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'albatross-system' },
        ]);
      }
      expect(one('Deployment').spec.template.spec.serviceAccountName).toBe(sa.metadata.name);
    });
  });

  describe('Deployment', () => {
    it('runs two replicas kept apart, protected by a PDB', () => {
      const dep = one('Deployment', 'albatross-webhook');
      expect(dep.spec.replicas).toBe(2);
      const anti = dep.spec.template.spec.affinity.podAntiAffinity;
      const term = anti.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
      expect(term.topologyKey).toBe('kubernetes.io/hostname');
      expect(term.labelSelector.matchLabels).toEqual(dep.spec.selector.matchLabels);
      const pdb = one('PodDisruptionBudget');
      expect(pdb.spec.minAvailable).toBe(1);
      expect(pdb.spec.selector.matchLabels).toEqual(dep.spec.selector.matchLabels);
      expect(dep.spec.template.metadata.labels).toMatchObject(dep.spec.selector.matchLabels);
    });

    it('is hardened: non-root, read-only root, no privilege escalation, no capabilities, seccomp', () => {
      const pod = one('Deployment').spec.template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(pod.containers).toHaveLength(1);
      const sc = pod.containers[0].securityContext;
      expect(sc.allowPrivilegeEscalation).toBe(false);
      expect(sc.readOnlyRootFilesystem).toBe(true);
      expect(sc.runAsNonRoot).toBe(true);
      expect(sc.capabilities).toEqual({ drop: ['ALL'] });
      expect(pod.hostNetwork).toBeUndefined();
      const ns = one('Namespace', 'albatross-system');
      expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
      expect(ns.metadata.labels?.['pod-security.kubernetes.io/warn']).toBe('restricted');
    });

    it('serves HTTPS on 9443 with probes, resources and its config from the generated ConfigMap', () => {
      const c = one('Deployment').spec.template.spec.containers[0];
      expect(c.args.slice(0, 7)).toEqual([
        'webhook',
        '--listen',
        '0.0.0.0:9443',
        '--tls-cert-file',
        '/tls/tls.crt',
        '--tls-key-file',
        '/tls/tls.key',
      ]);
      const flag = (name: string) => c.args[c.args.indexOf(name) + 1];
      expect(flag('--cluster-name')).toBe('$(CLUSTER_NAME)');
      expect(flag('--queue-url')).toBe('$(QUEUE_URL)');
      expect(flag('--results-queue-url')).toBe('$(RESULTS_QUEUE_URL)');
      expect(c.readinessProbe.httpGet).toEqual({ scheme: 'HTTPS', path: '/readyz', port: 'https' });
      expect(c.livenessProbe.httpGet).toEqual({ scheme: 'HTTPS', path: '/healthz', port: 'https' });
      expect(c.ports).toEqual([{ name: 'https', containerPort: 9443, protocol: 'TCP' }]);
      expect(c.resources.requests.cpu).toBeDefined();
      expect(c.resources.requests.memory).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
      const cm = one('ConfigMap');
      // The generator's hash suffix is propagated into every reference.
      expect(cm.metadata.name).toMatch(/^albatross-config-[a-z0-9]+$/);
      for (const key of ['CLUSTER_NAME', 'AWS_REGION', 'QUEUE_URL', 'RESULTS_QUEUE_URL']) {
        const env = c.env.find((e: Obj) => e.name === key);
        expect(env.valueFrom.configMapKeyRef).toEqual({ name: cm.metadata.name, key });
        expect(cm.data[key]).toBeTruthy();
      }
      expect(cm.data.QUEUE_URL).toMatch(/\.fifo$/);
      const vol = one('Deployment').spec.template.spec.containers[0].volumeMounts;
      expect(vol).toContainEqual({ name: 'tls', mountPath: '/tls', readOnly: true });
    });

    it('the Service maps 443 to the container port', () => {
      const svc = one('Service', 'albatross-webhook');
      expect(svc.spec.ports).toEqual([{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }]);
      expect(svc.spec.selector).toEqual(one('Deployment').spec.selector.matchLabels);
    });
  });

  it('takes per-cluster values from an overlay (the docs/operations.md recipe)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'albatross-overlay-'));
    try {
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        [
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          'resources:',
          // kustomize refuses absolute resource paths.
          `  - ${relative(dir, join(root, 'infra/k8s'))}`,
          'configMapGenerator:',
          '  - name: albatross-config',
          '    behavior: merge',
          '    literals:',
          '      - CLUSTER_NAME=prod',
          '      - QUEUE_URL=https://sqs.eu-west-1.amazonaws.com/111122223333/prod.fifo',
          '',
        ].join('\n'),
      );
      const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
      const objs = parseAllDocuments(out).map((d) => d.toJSON() as Obj);
      const cm = objs.find((o) => o.kind === 'ConfigMap')!;
      expect(cm.data.CLUSTER_NAME).toBe('prod');
      expect(cm.data.QUEUE_URL).toBe('https://sqs.eu-west-1.amazonaws.com/111122223333/prod.fifo');
      expect(cm.data.AWS_REGION).toBe('us-east-1'); // merged, not replaced
      expect(cm.metadata.name).not.toBe(one('ConfigMap').metadata.name); // new hash: pods roll
      const dep = objs.find((o) => o.kind === 'Deployment')!;
      const env = dep.spec.template.spec.containers[0].env.find((e: Obj) => e.name === 'CLUSTER_NAME');
      expect(env.valueFrom.configMapKeyRef.name).toBe(cm.metadata.name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
