/**
 * IngressClassParams on a real kube-apiserver: the project's CRD installed and enforced by the API
 * server, an IngressClass referencing params, and the admission webhook applying them — the class's
 * scheme and group win over the Ingress's annotation (a warning kubectl prints), the load balancer in
 * moto is made with them, and a namespace the params do not select or a conflicting member of the
 * group is denied with the one-line message kubectl prints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetsAvailable, type K8sObject, renderManifests, webhookConfigsFor } from '../support/kube';
import { viewStack } from './aws-view';
import { eventually, type Harness, startHarness, toYaml } from './harness';

const CLUSTER = 'e2e-class-params';
const GROUP = 'public-edge';
const P = 'alb.ingress.kubernetes.io/';

function namespaceWithService(name: string, tier: string, nodePort: number): K8sObject[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { tier } } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: name },
      spec: {
        type: 'NodePort',
        selector: { app: 'web' },
        ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort, protocol: 'TCP' }],
      },
    },
  ];
}

const params: K8sObject = {
  apiVersion: 'elbv2.k8s.aws/v1beta1',
  kind: 'IngressClassParams',
  metadata: { name: 'public' },
  spec: {
    namespaceSelector: { matchLabels: { tier: 'public' } },
    group: { name: GROUP },
    scheme: 'internet-facing',
    tags: [{ key: 'team', value: 'edge' }],
  },
};

const publicClass: K8sObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'alb-public' },
  spec: {
    controller: 'ingress.k8s.aws/alb',
    parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'public' },
  },
};

function ingress(namespace: string, className: string, annotations: Record<string, string>): K8sObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace, annotations },
    spec: {
      ingressClassName: className,
      rules: [
        {
          host: `${namespace}.example.com`,
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  };
}

describe.skipIf(!assetsAvailable())('IngressClassParams (kube-apiserver + webhook + moto)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ cluster: CLUSTER });
    // As the webhook configuration asks of a class not named alb: add it to the matchConditions list.
    const configs = webhookConfigsFor(renderManifests(), h.system.webhookUrl, h.system.caPem);
    await h.apply(JSON.parse(JSON.stringify(configs).replaceAll(`in ['alb']`, `in ['alb', 'alb-public']`)));
    await h.apply([
      ...namespaceWithService('team-a', 'public', 30180),
      ...namespaceWithService('team-b', 'internal', 30181),
      params,
      publicClass,
    ]);
  });
  afterAll(async () => {
    await h?.stop();
  });

  const kubectlApply = (o: K8sObject, ...flags: string[]) =>
    h.kube.kubectl(['apply', ...flags, '-f', '-'], { input: toYaml([o]) });

  it('the API server enforces the CRD schema (exactly one of subnets ids or tags)', async () => {
    const bad = structuredClone(params);
    bad.metadata.name = 'bad-subnets';
    (bad.spec as Record<string, unknown>).subnets = { ids: ['subnet-0abc'], tags: { role: ['elb'] } };
    const r = await kubectlApply(bad);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('exactly one of ids or tags must be set');
  });

  it('admits an Ingress of the class with the class values winning, and warns about the overridden annotation', async () => {
    // The webhook sees the params through its informers; retry (dry run) until it does.
    const ing = ingress('team-a', 'alb-public', { [`${P}scheme`]: 'internal' });
    const warning = `Warning: team-a/web: ${P}scheme: internal is overridden by IngressClassParams public spec.scheme (internet-facing)`;
    await eventually('the webhook to know the IngressClassParams', async () => {
      const r = await kubectlApply(ing, '--dry-run=server');
      return r.code === 0 && r.stderr.includes(warning);
    });
    const r = await kubectlApply(ing);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(warning);

    // The class's group gives the finalizer; the reconciler makes an internet-facing ALB with its tags.
    const finalizers = await h.kube.kubectl([
      'get',
      'ingress',
      '-n',
      'team-a',
      'web',
      '-o',
      'jsonpath={.metadata.finalizers}',
    ]);
    expect(finalizers.stdout).toContain(`group.ingress.k8s.aws/${GROUP}`);
    const lb = await eventually(
      'the load balancer of the class group',
      async () => (await viewStack(h.elbv2, CLUSTER, GROUP))?.lb,
      90_000,
    );
    expect(lb.Scheme).toBe('internet-facing');
  });

  it('denies an Ingress of the class in a namespace its namespaceSelector does not select', async () => {
    const r = await kubectlApply(ingress('team-b', 'alb-public', {}));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /admission webhook "[^"]+" denied the request: team-b\/web: IngressClassParams public spec\.namespaceSelector: namespace team-b: expected a namespace matching tier=public to use IngressClass alb-public/,
    );
  });

  it('denies a member whose annotation conflicts with the class value of the group, naming the params', async () => {
    const r = await kubectlApply(
      ingress('team-b', 'alb', { [`${P}group.name`]: GROUP, [`${P}scheme`]: 'internal' }),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `team-b/web: ${P}scheme: internal: expected internet-facing (IngressClassParams public spec.scheme) to match team-a/web (IngressGroup ${GROUP})`,
    );
  });
});
