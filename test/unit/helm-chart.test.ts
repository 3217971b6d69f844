/**
 * The Helm chart in infra/helm/albatross, linted and rendered by the real `helm`, checked for the
 * properties SPEC §8 promises — safe admission settings, least-privilege RBAC, a hardened and highly
 * available pod — and for its values reaching the objects they configure.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import {
  CHART,
  helmAvailable,
  NAMESPACE,
  type RenderOptions,
  renderChart,
  runHelm,
  TEST_VALUES,
  templateChart,
} from '../support/helm';
import type { K8sObject } from '../support/kube';

type Obj = K8sObject & {
  metadata: K8sObject['metadata'] & { labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are checked field by field below
  [key: string]: any;
};

function render(o: RenderOptions = {}): Obj[] {
  return renderChart(o) as Obj[];
}

function pick(objects: Obj[], kind: string, name?: string): Obj {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  expect(found, `${kind}${name ? `/${name}` : ''}`).toHaveLength(1);
  return found[0]!;
}

const available = helmAvailable();
const objects: Obj[] = available ? render() : [];
const one = (kind: string, name?: string) => pick(objects, kind, name);
const container = (objs: Obj[]) => pick(objs, 'Deployment').spec.template.spec.containers[0];
const flag = (args: string[], name: string) => args[args.indexOf(name) + 1];

describe.skipIf(!available)('infra/helm/albatross', () => {
  it('passes helm lint with a cluster’s values', () => {
    const r = runHelm(['lint', CHART, '--strict', '--values', TEST_VALUES]);
    expect(r.stdout + r.stderr).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.code).toBe(0);
  });

  it('defaults the image tag to the release being built (Chart appVersion = package.json version)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const chart = parse(readFileSync(`${CHART}/Chart.yaml`, 'utf8')) as { appVersion: string };
    expect(chart.appVersion).toBe(pkg.version);
    expect(container(objects).image).toBe(`ghcr.io/albatross-dev/albatross:${pkg.version}`);
  });

  it('refuses to render without the four required values, naming each', () => {
    const r = templateChart({ testValues: false });
    expect(r.code).not.toBe(0);
    for (const field of ['clusterName', 'region', 'queueURL', 'resultsQueueURL'])
      expect(r.stderr).toContain(`'/${field}'`);
  });

  it.each([
    [{ queueURL: 'https://sqs.us-east-1.amazonaws.com/1/standard-queue' }, '/queueURL'],
    [{ region: 'Ireland' }, '/region'],
    [{ webhook: { timeoutSeconds: 10 } }, '/webhook/timeoutSeconds'],
    [{ webhook: { failurePolicy: 'Sometimes' } }, '/webhook/failurePolicy'],
    [{ logLevel: 'chatty' }, '/logLevel'],
  ])('refuses %j naming %s', (values, field) => {
    const r = templateChart({ values });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`'${field}'`);
  });

  it('renders every kind SPEC §8 lists; namespaced ones in the release namespace, no Namespace', () => {
    const kinds = objects.map((o) => o.kind).sort();
    expect(kinds).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'Deployment',
        'IngressClass',
        'MutatingWebhookConfiguration',
        'PodDisruptionBudget',
        'Role',
        'RoleBinding',
        'Secret',
        'Service',
        'ServiceAccount',
        'ValidatingWebhookConfiguration',
      ].sort(),
    );
    const clusterScoped = new Set([
      'ClusterRole',
      'ClusterRoleBinding',
      'MutatingWebhookConfiguration',
      'ValidatingWebhookConfiguration',
      'IngressClass',
    ]);
    for (const o of objects) {
      if (clusterScoped.has(o.kind)) expect(o.metadata.namespace, o.kind).toBeUndefined();
      else expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(NAMESPACE);
      expect(o.metadata.labels?.['app.kubernetes.io/managed-by'], o.kind).toBe('Helm');
    }
  });

  describe('IngressClass', () => {
    it('declares alb with the LBC controller value, not the default class', () => {
      const ic = one('IngressClass', 'alb');
      expect(ic.spec).toEqual({ controller: 'ingress.k8s.aws/alb' });
      expect(ic.metadata.annotations).toBeUndefined();
    });

    it('is optional, can be the default class, and its name is the webhooks’ class filter', () => {
      expect(render({ values: { ingressClass: { create: false } } }).map((o) => o.kind)).not.toContain(
        'IngressClass',
      );
      const objs = render({ values: { ingressClass: { name: 'albatross', default: true } } });
      const ic = pick(objs, 'IngressClass', 'albatross');
      expect(ic.metadata.annotations).toEqual({ 'ingressclass.kubernetes.io/is-default-class': 'true' });
      const expr = pick(objs, 'ValidatingWebhookConfiguration').webhooks[0].matchConditions[0].expression;
      expect(expr).toContain("object.spec.ingressClassName in ['albatross']");
    });
  });

  describe('webhook configurations', () => {
    const pairs = [
      ['MutatingWebhookConfiguration', '/mutate'],
      ['ValidatingWebhookConfiguration', '/validate'],
    ] as const;

    it.each(pairs)('%s admits only our Ingress CREATE/UPDATE, safely', (kind, path) => {
      const cfg = one(kind);
      expect(cfg.metadata.name).toBe('albatross');
      // The Ingress webhook comes first; the mutating configuration also has the Pod webhook (below).
      expect(cfg.webhooks).toHaveLength(kind.startsWith('Mutating') ? 2 : 1);
      const hook = cfg.webhooks[0];
      expect(hook.name).toBe(
        kind.startsWith('Mutating') ? 'mingress.albatross.dev' : 'vingress.albatross.dev',
      );
      expect(hook.sideEffects).toBe('NoneOnDryRun');
      expect(hook.timeoutSeconds).toBeGreaterThan(0);
      expect(hook.timeoutSeconds).toBeLessThanOrEqual(5);
      expect(hook.matchPolicy).toBe('Equivalent');
      expect(hook.failurePolicy).toBe('Fail');
      expect(hook.admissionReviewVersions).toEqual(['v1']);
      expect(hook.clientConfig.service).toEqual({
        name: 'albatross-webhook',
        namespace: NAMESPACE,
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
        { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', NAMESPACE] },
      ]);
      expect(hook.matchConditions).toHaveLength(1);
      const expr: string = hook.matchConditions[0].expression;
      expect(expr).toContain("object.metadata.annotations['kubernetes.io/ingress.class'] == 'alb'");
      expect(expr).toContain("object.spec.ingressClassName in ['alb']");
      expect(expr).toContain('!has(object.spec.ingressClassName)');
    });

    it('both webhooks use the same filters, and the values extend them', () => {
      const objs = render({
        values: { webhook: { extraIngressClassNames: ['alb-internal'], excludeNamespaces: ['legacy'] } },
      });
      const [m, v] = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'].map(
        (k) => pick(objs, k).webhooks[0],
      );
      expect(m.matchConditions).toEqual(v.matchConditions);
      expect(m.namespaceSelector).toEqual(v.namespaceSelector);
      expect(m.matchConditions[0].expression).toContain(
        "object.spec.ingressClassName in ['alb', 'alb-internal']",
      );
      expect(m.namespaceSelector.matchExpressions[0].values).toEqual(['kube-system', NAMESPACE, 'legacy']);
    });

    it('takes timeout and failure policy from the values', () => {
      const objs = render({ values: { webhook: { timeoutSeconds: 3, failurePolicy: 'Ignore' } } });
      for (const k of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
        expect(pick(objs, k).webhooks[0]).toMatchObject({ timeoutSeconds: 3, failurePolicy: 'Ignore' });
      }
    });

    it('the Pod webhook (readiness gates, on by default) sees only pod creations in labelled namespaces and can never block one', () => {
      const hooks = one('MutatingWebhookConfiguration').webhooks;
      expect(hooks.map((h: Obj) => h.name)).toEqual(['mingress.albatross.dev', 'mpod.albatross.dev']);
      const pod = hooks[1];
      expect(pod.failurePolicy).toBe('Ignore');
      expect(pod.timeoutSeconds).toBeLessThanOrEqual(3);
      expect(pod.sideEffects).toBe('None');
      expect(pod.reinvocationPolicy).toBe('IfNeeded');
      expect(pod.clientConfig.service).toEqual({
        name: 'albatross-webhook',
        namespace: NAMESPACE,
        path: '/mutate-pod',
        port: 443,
      });
      expect(pod.clientConfig.caBundle).toBe(hooks[0].clientConfig.caBundle);
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
      // Never our own namespace: the webhook must not depend on itself to start.
      expect(pod.namespaceSelector.matchExpressions[0].values).toEqual(['kube-system', NAMESPACE]);
      expect(container(objects).args).toContain('--pod-readiness-gates');
    });

    it('podReadinessGates.enabled=false: no Pod webhook, no flag, no access to pods', () => {
      const objs = render({ values: { podReadinessGates: { enabled: false } } });
      expect(pick(objs, 'MutatingWebhookConfiguration').webhooks.map((h: Obj) => h.name)).toEqual([
        'mingress.albatross.dev',
      ]);
      expect(container(objs).args).not.toContain('--pod-readiness-gates');
      const resources = pick(objs, 'ClusterRole').rules.flatMap((r: Obj) => r.resources);
      expect(resources).not.toContain('pods');
      expect(resources).not.toContain('pods/status');
      expect(resources).toContain('namespaces'); // IngressClassParams' namespaceSelector still needs them
    });
  });

  it('ships the IngressClassParams CRD (installed by helm install, never deleted by uninstall)', () => {
    const r = runHelm(['show', 'crds', CHART]);
    expect(r.code, r.stderr).toBe(0);
    const crd = parseAllDocuments(r.stdout).map((d) => d.toJSON() as Obj);
    expect(crd.map((c) => c.metadata.name)).toEqual(['ingressclassparams.elbv2.k8s.aws']);
    expect(crd[0]?.spec.names.kind).toBe('IngressClassParams');
  });

  describe('webhook certificate', () => {
    it('is generated by the chart by default: a CA in both caBundles, a serving cert for the Service it signed', () => {
      const secret = one('Secret', 'albatross-webhook-tls');
      expect(secret.type).toBe('kubernetes.io/tls');
      const pem = (key: string) => Buffer.from(secret.data[key], 'base64').toString('utf8');
      for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
        const cfg = one(kind);
        expect(cfg.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBeUndefined();
        expect(cfg.webhooks[0].clientConfig.caBundle).toBe(secret.data['ca.crt']);
      }
      const ca = new X509Certificate(pem('ca.crt'));
      const cert = new X509Certificate(pem('tls.crt'));
      expect(ca.ca).toBe(true);
      expect(cert.ca).toBe(false);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.checkIssued(ca)).toBe(true);
      expect(cert.subjectAltName).toBe(
        'DNS:albatross-webhook.albatross-system.svc, DNS:albatross-webhook.albatross-system.svc.cluster.local',
      );
      // The key belongs to the certificate (a mismatched pair fails TLS at the first admission call).
      expect(cert.checkPrivateKey(createPrivateKey(pem('tls.key')))).toBe(true);
      expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 5 * 365 * 86_400_000);
      const dep = one('Deployment');
      const tls = dep.spec.template.spec.volumes.find((v: Obj) => v.name === 'tls');
      expect(tls.secret.secretName).toBe(secret.metadata.name);
    });

    it('with certManager.enabled: cert-manager issues it and injects the CA; the chart makes no key', () => {
      const objs = render({ values: { certManager: { enabled: true } } });
      expect(objs.map((o) => o.kind)).not.toContain('Secret');
      for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
        const cfg = pick(objs, kind);
        expect(cfg.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe(
          `${NAMESPACE}/albatross-webhook`,
        );
        expect(cfg.webhooks[0].clientConfig.caBundle).toBeUndefined();
      }
      const cert = pick(objs, 'Certificate', 'albatross-webhook');
      expect(cert.spec.dnsNames).toEqual([
        'albatross-webhook.albatross-system.svc',
        'albatross-webhook.albatross-system.svc.cluster.local',
      ]);
      expect(cert.spec.issuerRef).toEqual({ kind: 'Issuer', name: 'albatross-ca' });
      expect(pick(objs, 'Certificate', 'albatross-ca').spec.isCA).toBe(true);
      expect(pick(objs, 'Issuer', 'albatross-ca').spec.ca.secretName).toBe('albatross-ca');
      expect(pick(objs, 'Issuer', 'albatross-selfsigned').spec.selfSigned).toEqual({});
      const tls = pick(objs, 'Deployment').spec.template.spec.volumes.find((v: Obj) => v.name === 'tls');
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
      expect(verbsFor(rules, 'discovery.k8s.io', 'endpointslices')).toEqual(['get', 'list', 'watch']);
      expect(verbsFor(rules, 'elbv2.k8s.aws', 'ingressclassparams')).toEqual(['get', 'list', 'watch']);
      expect(verbsFor(rules, '', 'namespaces')).toEqual(['get', 'list', 'watch']);
      // Readiness gates: read pods, write only their status (target-health conditions).
      expect(verbsFor(rules, '', 'pods')).toEqual(['get', 'list', 'watch']);
      expect(verbsFor(rules, '', 'pods/status')).toEqual(['patch']);
      expect(verbsFor(rules, '', 'events')).toEqual(['create', 'patch']);
      expect(verbsFor(rules, 'events.k8s.io', 'events')).toEqual(['create', 'patch']);
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
          'discovery.k8s.io/endpointslices',
          'elbv2.k8s.aws/ingressclassparams',
          '/namespaces',
          '/pods',
          '/pods/status',
          '/events',
          'events.k8s.io/events',
        ].sort(),
      );
    });

    it('keeps Lease writes inside the release namespace', () => {
      const role = one('Role', 'albatross-leader-election');
      expect(role.metadata.namespace).toBe(NAMESPACE);
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

    it('binds both roles to the ServiceAccount the Deployment runs as', () => {
      const sa = one('ServiceAccount');
      expect(sa.metadata.name).toBe('albatross'); // what the CDK app's IAM trust names by default
      for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
        expect(one(kind).subjects).toEqual([
          { kind: 'ServiceAccount', name: sa.metadata.name, namespace: NAMESPACE },
        ]);
      }
      expect(one('Deployment').spec.template.spec.serviceAccountName).toBe(sa.metadata.name);
    });
  });

  describe('ServiceAccount', () => {
    it('carries the IRSA annotation from the values (none by default: EKS Pod Identity)', () => {
      expect(one('ServiceAccount').metadata.annotations).toBeUndefined();
      const arn = 'arn:aws:iam::111122223333:role/albatross-webhook';
      const sa = pick(
        render({ values: { serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': arn } } } }),
        'ServiceAccount',
      );
      expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': arn });
    });

    it('can be an existing one (serviceAccount.create=false), which must then be named', () => {
      const objs = render({ values: { serviceAccount: { create: false, name: 'mine' } } });
      expect(objs.map((o) => o.kind)).not.toContain('ServiceAccount');
      expect(pick(objs, 'Deployment').spec.template.spec.serviceAccountName).toBe('mine');
      expect(pick(objs, 'ClusterRoleBinding').subjects[0].name).toBe('mine');
      const r = templateChart({ values: { serviceAccount: { create: false } } });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('serviceAccount.name: expected the name of an existing ServiceAccount');
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
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(pod.containers).toHaveLength(1);
      const sc = pod.containers[0].securityContext;
      expect(sc.allowPrivilegeEscalation).toBe(false);
      expect(sc.readOnlyRootFilesystem).toBe(true);
      expect(sc.runAsNonRoot).toBe(true);
      expect(sc.capabilities).toEqual({ drop: ['ALL'] });
      expect(pod.hostNetwork).toBeUndefined();
      // The only writable path is /tmp (the image's HOME).
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    });

    it('serves HTTPS on 9443 with probes and resources, configured by the values', () => {
      const c = container(objects);
      expect(c.image).toBe('ghcr.io/albatross-dev/albatross:0.1.0'); // the chart's appVersion
      expect(c.imagePullPolicy).toBe('IfNotPresent');
      expect(c.args.slice(0, 6)).toEqual([
        '--listen',
        '0.0.0.0:9443',
        '--tls-cert-file',
        '/tls/tls.crt',
        '--tls-key-file',
        '/tls/tls.key',
      ]);
      expect(flag(c.args, '--cluster-name')).toBe('test-cluster');
      expect(flag(c.args, '--region')).toBe('us-east-1');
      expect(flag(c.args, '--queue-url')).toMatch(/^https:\/\/sqs\.us-east-1\.amazonaws\.com\/.*\.fifo$/);
      expect(flag(c.args, '--results-queue-url')).toMatch(/results$/);
      expect(c.env).toContainEqual({ name: 'AWS_REGION', value: 'us-east-1' });
      expect(c.env.map((e: Obj) => e.name)).not.toContain('ALBATROSS_DEBUG');
      expect(c.readinessProbe.httpGet).toEqual({ scheme: 'HTTPS', path: '/readyz', port: 'https' });
      expect(c.livenessProbe.httpGet).toEqual({ scheme: 'HTTPS', path: '/healthz', port: 'https' });
      expect(c.ports).toEqual([{ name: 'https', containerPort: 9443, protocol: 'TCP' }]);
      expect(c.resources).toEqual({
        requests: { cpu: '100m', memory: '128Mi' },
        limits: { memory: '384Mi' },
      });
      expect(c.volumeMounts).toContainEqual({ name: 'tls', mountPath: '/tls', readOnly: true });
    });

    it('takes everything a cluster sets from the values', () => {
      const objs = render({
        values: {
          clusterName: 'prod',
          region: 'eu-west-1',
          queueURL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/prod.fifo',
          resultsQueueURL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/prod-results',
          image: { repository: 'registry.example/albatross', tag: '1.2.3', pullPolicy: 'Always' },
          imagePullSecrets: [{ name: 'regcred' }],
          replicaCount: 3,
          resources: { requests: { cpu: '50m', memory: '64Mi' } },
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [{ key: 'infra', operator: 'Exists', effect: 'NoSchedule' }],
          affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
          priorityClassName: 'system-cluster-critical',
          podAnnotations: { 'example.com/team': 'edge' },
          logLevel: 'debug',
          webhook: { port: 10443 },
          podDisruptionBudget: { minAvailable: 2 },
        },
      });
      const dep = pick(objs, 'Deployment');
      const pod = dep.spec.template.spec;
      const c = container(objs);
      expect(flag(c.args, '--cluster-name')).toBe('prod');
      expect(flag(c.args, '--region')).toBe('eu-west-1');
      expect(flag(c.args, '--queue-url')).toBe('https://sqs.eu-west-1.amazonaws.com/111122223333/prod.fifo');
      expect(flag(c.args, '--results-queue-url')).toBe(
        'https://sqs.eu-west-1.amazonaws.com/111122223333/prod-results',
      );
      expect(flag(c.args, '--listen')).toBe('0.0.0.0:10443');
      expect(c.ports[0].containerPort).toBe(10443);
      expect(c.env).toContainEqual({ name: 'AWS_REGION', value: 'eu-west-1' });
      expect(c.env).toContainEqual({ name: 'ALBATROSS_DEBUG', value: '1' });
      expect(c.image).toBe('registry.example/albatross:1.2.3');
      expect(c.imagePullPolicy).toBe('Always');
      // Helm merges maps: the default memory limit stays unless set to null.
      expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '384Mi' } });
      expect(pod.imagePullSecrets).toEqual([{ name: 'regcred' }]);
      expect(dep.spec.replicas).toBe(3);
      expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
      expect(pod.tolerations).toEqual([{ key: 'infra', operator: 'Exists', effect: 'NoSchedule' }]);
      // A given affinity replaces the default anti-affinity.
      expect(pod.affinity).toEqual({ nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } });
      expect(pod.priorityClassName).toBe('system-cluster-critical');
      expect(dep.spec.template.metadata.annotations).toEqual({ 'example.com/team': 'edge' });
      expect(pick(objs, 'PodDisruptionBudget').spec.minAvailable).toBe(2);
      // The Service still answers on 443, forwarding to the named port.
      expect(pick(objs, 'Service').spec.ports).toEqual([
        { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
      ]);
    });

    it('the Service maps 443 to the container port and selects exactly the Deployment’s pods', () => {
      const svc = one('Service', 'albatross-webhook');
      expect(svc.spec.ports).toEqual([{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }]);
      expect(svc.spec.selector).toEqual(one('Deployment').spec.selector.matchLabels);
    });
  });

  it('names everything after a release that is not called albatross, so two releases never collide', () => {
    const objs = render({ release: 'edge', namespace: 'edge-system' });
    for (const o of objs.filter((x) => x.kind !== 'IngressClass'))
      expect(o.metadata.name, o.kind).toMatch(/^edge-albatross/);
    const svc = pick(objs, 'Service');
    expect(pick(objs, 'ValidatingWebhookConfiguration').webhooks[0].clientConfig.service).toMatchObject({
      name: svc.metadata.name,
      namespace: 'edge-system',
    });
    expect(
      pick(objs, 'MutatingWebhookConfiguration').webhooks[0].namespaceSelector.matchExpressions[0].values,
    ).toEqual(['kube-system', 'edge-system']);
    const cert = new X509Certificate(Buffer.from(pick(objs, 'Secret').data['tls.crt'], 'base64'));
    expect(cert.subjectAltName).toContain('DNS:edge-albatross-webhook.edge-system.svc');
  });
});
