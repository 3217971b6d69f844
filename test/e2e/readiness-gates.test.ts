/**
 * Pod readiness gates end to end: a real kube-apiserver calls the project's Pod webhook configuration,
 * the test plays kubelet (pod status through the status subresource) and the endpoint controller (the
 * EndpointSlice; no controller-manager runs), the reconciler registers the pod in moto, and the webhook
 * turns the pod's target-health condition True — or keeps it False with AWS's reason when the target is
 * unhealthy (moto never says so: a middleware on the webhook's client rewrites DescribeTargetHealth).
 */
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetsAvailable, type K8sObject } from '../support/kube';
import { overrideTargetHealth, type TargetHealthOverride } from '../support/target-health-fault';
import { stackTargetGroups } from './aws-view';
import { eventually, type Harness, startHarness, toYaml } from './harness';

const CLUSTER = 'e2e-gates';
const GATED = 'gated';
const PLAIN = 'plain';
const INJECT = 'elbv2.k8s.aws/pod-readiness-gate-inject';

interface PodJson {
  metadata: { name: string; uid: string };
  spec: { readinessGates?: { conditionType: string }[] };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

function namespaceObjects(ns: string, labelled: boolean): K8sObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, ...(labelled ? { labels: { [INJECT]: 'enabled' } } : {}) },
    },
    // No controller-manager: the ServiceAccount admission plugin still wants the default account.
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: ns },
      spec: {
        selector: { app: 'web' },
        ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'web',
        namespace: ns,
        annotations: {
          'alb.ingress.kubernetes.io/target-type': 'ip',
          'alb.ingress.kubernetes.io/healthcheck-interval-seconds': '5',
          'alb.ingress.kubernetes.io/healthcheck-timeout-seconds': '2',
        },
      },
      spec: {
        ingressClassName: 'alb',
        rules: [
          {
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'web', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
  ];
}

const podObject = (ns: string, name: string, labels: Record<string, string> = { app: 'web' }): K8sObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels },
  spec: {
    automountServiceAccountToken: false,
    containers: [{ name: 'web', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }],
  },
});

async function targetIds(elbv2: ElasticLoadBalancingV2Client, tg: TargetGroup): Promise<string[]> {
  const r = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
  return (r.TargetHealthDescriptions ?? []).map((d) => d.Target?.Id ?? '').sort();
}

describe.skipIf(!assetsAvailable())(
  'pod readiness gates (kube-apiserver + moto + webhook + reconciler)',
  () => {
    let h: Harness;
    let tg: TargetGroup;
    let gate: string;
    let health: TargetHealthOverride;
    /** The EndpointSlice of gated/web as the endpoint controller would keep it. */
    const endpoints: Record<string, unknown>[] = [];

    async function getPod(ns: string, name: string): Promise<PodJson> {
      const r = await h.kube.kubectl(['get', 'pod', '-n', ns, name, '-o', 'json']);
      if (r.code !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout) as PodJson;
    }

    async function createPod(ns: string, name: string): Promise<PodJson> {
      const r = await h.kube.kubectl(['create', '-f', '-', '-o', 'json'], {
        input: toYaml([podObject(ns, name)]),
      });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as PodJson;
    }

    /** What the kubelet reports once the containers pass their readiness probe: the gate keeps Ready False. */
    async function containersReady(name: string, ip: string): Promise<void> {
      const status = {
        status: {
          phase: 'Running',
          podIP: ip,
          podIPs: [{ ip }],
          conditions: [
            { type: 'PodScheduled', status: 'True' },
            { type: 'Initialized', status: 'True' },
            { type: 'ContainersReady', status: 'True' },
            { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady' },
          ],
        },
      };
      const r = await h.kube.kubectl([
        'patch',
        'pod',
        '-n',
        GATED,
        name,
        '--subresource=status',
        '--type=strategic',
        '-p',
        JSON.stringify(status),
      ]);
      expect(r.code, r.stderr).toBe(0);
    }

    /** The endpoint controller's view: a pod that is not Ready is listed with `ready: false`. */
    async function addEndpoint(pod: PodJson, ip: string): Promise<void> {
      endpoints.push({
        addresses: [ip],
        conditions: { ready: false, serving: false, terminating: false },
        targetRef: { kind: 'Pod', namespace: GATED, name: pod.metadata.name, uid: pod.metadata.uid },
      });
      await h.apply([
        {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { name: 'web-abcde', namespace: GATED, labels: { 'kubernetes.io/service-name': 'web' } },
          addressType: 'IPv4',
          ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
          endpoints,
        } as unknown as K8sObject,
      ]);
    }

    const condition = (pod: PodJson) => pod.status?.conditions?.find((c) => c.type === gate);

    beforeAll(async () => {
      h = await startHarness({ cluster: CLUSTER, readinessGates: { intervalMs: 300 } });
      const gates = h.system.webhook.readinessGates;
      if (!gates) throw new Error('readiness gates are off in the harness');
      health = overrideTargetHealth(gates.elbv2);
      await h.apply([...namespaceObjects(GATED, true), ...namespaceObjects(PLAIN, false)]);
      tg = await eventually('the ip target group of gated/web in moto', async () => {
        const tgs = await stackTargetGroups(h.elbv2, CLUSTER, `${GATED}/web`);
        return tgs.length === 1 ? tgs[0] : undefined;
      });
      await eventually('the target group of plain/web in moto', async () => {
        return (await stackTargetGroups(h.elbv2, CLUSTER, `${PLAIN}/web`)).length === 1;
      });
      expect(tg.TargetType).toBe('ip');
      gate = `target-health.elbv2.k8s.aws/${tg.TargetGroupName}`;
    });

    afterAll(async () => {
      health?.remove();
      await h?.stop();
    });

    it('injects a gate named after the ip target group into a pod created in a labelled namespace', async () => {
      // The webhook configuration reaches the admission chain asynchronously; so does the namespace watch.
      const pod = await eventually(
        'a pod created with the gate',
        async () => {
          const p = await createPod(GATED, 'web-probe');
          if (p.spec.readinessGates?.length) return p;
          await h.kube.kubectl(['delete', 'pod', '-n', GATED, 'web-probe', '--wait=false']);
          return undefined;
        },
        30_000,
        500,
      );
      expect(pod.spec.readinessGates).toEqual([{ conditionType: gate }]);
      await h.kube.kubectl(['delete', 'pod', '-n', GATED, 'web-probe', '--wait=false']);
    });

    it('registers a pod whose containers are ready but not the pod, then turns its condition True', async () => {
      const pod = await createPod(GATED, 'web-1');
      expect(pod.spec.readinessGates).toEqual([{ conditionType: gate }]);
      await containersReady('web-1', '172.31.5.10');
      await addEndpoint(pod, '172.31.5.10');

      await eventually('the pod registered in the target group', async () =>
        (await targetIds(h.elbv2, tg)).includes('172.31.5.10'),
      );
      const c = await eventually('the target-health condition True', async () => {
        const cond = condition(await getPod(GATED, 'web-1'));
        return cond?.status === 'True' ? cond : undefined;
      });
      expect(c.reason).toBe('Target.Healthy');
      // The kubelet's own conditions are untouched by our status patch.
      const after = await getPod(GATED, 'web-1');
      expect(after.status?.conditions?.find((x) => x.type === 'ContainersReady')?.status).toBe('True');
    });

    it('gives a pod in an unlabelled namespace nothing, though an ip-mode Ingress selects it there too', async () => {
      const pod = await createPod(PLAIN, 'web-1');
      expect(pod.spec.readinessGates).toBeUndefined();
    });

    it('keeps an unhealthy target’s pod not ready, with AWS’s reason on the condition and in an Event', async () => {
      health.set('172.31.5.11', {
        State: 'unhealthy',
        Reason: 'Target.ResponseCodeMismatch',
        Description: 'Health checks failed with these codes: [503]',
      });
      // This time the endpoint is listed (not ready) before the containers are: the pod's own status
      // change is what makes it a target, with no EndpointSlice event to say so.
      const pod = await createPod(GATED, 'web-2');
      await addEndpoint(pod, '172.31.5.11');
      await containersReady('web-2', '172.31.5.11');
      await eventually('the pod registered in the target group', async () =>
        (await targetIds(h.elbv2, tg)).includes('172.31.5.11'),
      );
      const c = await eventually('the condition False with the health-check reason', async () => {
        const cond = condition(await getPod(GATED, 'web-2'));
        return cond?.reason === 'Target.ResponseCodeMismatch' ? cond : undefined;
      });
      expect(c.status).toBe('False');
      expect(c.message).toContain('Health checks failed with these codes: [503]');
      // Several rounds later it is still held back.
      const rewritten = health.rewritten;
      await eventually('more health rounds', async () => health.rewritten >= rewritten + 3);
      expect(condition(await getPod(GATED, 'web-2'))?.status).toBe('False');

      const described = await h.kube.kubectl(['describe', 'pod', '-n', GATED, 'web-2']);
      expect(described.stdout).toContain('TargetNotHealthy');
      expect(described.stdout).toContain('Target.ResponseCodeMismatch');

      // The health check passes again: the gate opens.
      health.clear('172.31.5.11');
      await eventually(
        'the condition True once healthy',
        async () => condition(await getPod(GATED, 'web-2'))?.status === 'True',
      );
    });

    it('removing the namespace label stops injection but still serves the pods that wait', async () => {
      health.set('172.31.5.12', {
        State: 'unhealthy',
        Reason: 'Target.Timeout',
        Description: 'Request timed out',
      });
      const pod = await createPod(GATED, 'web-3');
      expect(pod.spec.readinessGates).toEqual([{ conditionType: gate }]);
      await addEndpoint(pod, '172.31.5.12');
      await containersReady('web-3', '172.31.5.12');
      await eventually(
        'web-3 held back',
        async () => condition(await getPod(GATED, 'web-3'))?.reason === 'Target.Timeout',
      );

      const unlabel = await h.kube.kubectl(['label', 'namespace', GATED, `${INJECT}-`]);
      expect(unlabel.code, unlabel.stderr).toBe(0);
      const plain = await eventually(
        'a new pod created without a gate',
        async () => {
          const p = await createPod(GATED, 'web-4');
          if (!p.spec.readinessGates?.length) return p;
          await h.kube.kubectl(['delete', 'pod', '-n', GATED, 'web-4', '--wait=false']);
          return undefined;
        },
        30_000,
        500,
      );
      expect(plain.spec.readinessGates).toBeUndefined();

      // web-3 still waits on its gate: it is still watched, and its condition still follows the ALB.
      health.clear('172.31.5.12');
      await eventually(
        'web-3 True once healthy',
        async () => condition(await getPod(GATED, 'web-3'))?.status === 'True',
      );
    });
  },
);
