/**
 * Pod readiness gates, the whole loop on loopback (real kube-apiserver + etcd, moto, the webhook and the
 * reconciler in-process, with the product's defaults: 1 s forwarder quiet period, 2 s target-health
 * rounds): for a rollout of pods one after the other, the time from "containers ready" (the kubelet's
 * status write) to the target registered in AWS and to the pod's target-health condition True; and the
 * AWS calls that cost — the reconcile of a targets-only change, the webhook's health reads — beside a
 * verify reconcile of the same stack. Needs the assets from scripts/kube-assets.sh.
 */
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { stackTargetGroups } from '../test/e2e/aws-view';
import { eventually, type Harness, startHarness } from '../test/e2e/harness';
import { assetsDir, type K8sObject, KUBE_SKIP_MESSAGE } from '../test/support/kube';
import { median, table } from './_fixtures';

const CLUSTER = 'bench-gates';
const NS = 'rollout';
const PODS = 6;
const INTERVAL_MS = 2000;
const DEBOUNCE_MS = 1000;

type Middlewared = { middlewareStack: { add: (...a: never[]) => void } };

/** Calls per command name through the given clients (every attempt, as AWS sees them). */
function commandCounter(clients: unknown[]) {
  const counts = new Map<string, number>();
  for (const c of clients) {
    (c as Middlewared).middlewareStack.add(
      ((next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: unknown) => {
          const name = (context.commandName ?? '?').replace(/Command$/, '');
          counts.set(name, (counts.get(name) ?? 0) + 1);
          return next(args);
        }) as never,
      { step: 'finalizeRequest', name: `benchCounter-${Math.random()}`, priority: 'low' } as never,
    );
  }
  return {
    take(): Map<string, number> {
      const out = new Map(counts);
      counts.clear();
      return out;
    },
  };
}

const fmtCalls = (m: Map<string, number>) =>
  [...m]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || '—';
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

function objects(): K8sObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS, labels: { 'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled' } },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: NS } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: NS },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'web',
        namespace: NS,
        annotations: { 'alb.ingress.kubernetes.io/target-type': 'ip' },
      },
      spec: {
        ingressClassName: 'alb',
        defaultBackend: { service: { name: 'web', port: { number: 80 } } },
      },
    },
  ];
}

export async function run(): Promise<void> {
  if (!assetsDir()) {
    console.log(`skipped: ${KUBE_SKIP_MESSAGE}`);
    return;
  }
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  // Every AWS call goes to moto on loopback, which accepts any credentials.
  process.env.AWS_ACCESS_KEY_ID ??= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
  const h: Harness = await startHarness({
    cluster: CLUSTER,
    readinessGates: { intervalMs: INTERVAL_MS },
    debounceMs: DEBOUNCE_MS,
  });
  try {
    const core = (await h.kube.kubeConfig()).makeApiClient(CoreV1Api);
    const reporter = h.system.webhook.readinessGates!;
    const c = h.system.clients;
    const reconciler = commandCounter([c.elbv2, c.ec2, c.tagging, c.acm, c.wafv2].filter(Boolean));
    const webhookReads = commandCounter([reporter.elbv2]);

    await h.apply(objects());
    const tg = await eventually(
      'the target group',
      async () => (await stackTargetGroups(h.elbv2, CLUSTER, `${NS}/web`))[0],
    );
    const gate = `target-health.elbv2.k8s.aws/${tg.TargetGroupName}`;
    await h.system.pump.idle(500, 30_000);
    reconciler.take();

    const endpoints: object[] = [];
    const slice = () =>
      h.apply([
        {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { name: 'web-x1', namespace: NS, labels: { 'kubernetes.io/service-name': 'web' } },
          addressType: 'IPv4',
          ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
          endpoints,
        } as unknown as K8sObject,
      ]);
    const status = (name: string, ip: string, containersReady: boolean) =>
      core.patchNamespacedPodStatus(
        {
          name,
          namespace: NS,
          body: {
            status: {
              phase: 'Running',
              podIP: ip,
              podIPs: [{ ip }],
              conditions: [
                { type: 'ContainersReady', status: containersReady ? 'True' : 'False' },
                { type: 'Ready', status: 'False' },
              ],
            },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
    const registered = async (ip: string) => {
      const r = await h.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
      return (r.TargetHealthDescriptions ?? []).some((d) => d.Target?.Id === ip);
    };

    const rows: (string | number)[][] = [
      ['pod', 'registered (ms)', 'condition True (ms)', 'reconcile calls', 'health reads'],
    ];
    const toRegistered: number[] = [];
    const toTrue: number[] = [];
    let oneChange = new Map<string, number>();
    for (let i = 0; i < PODS; i++) {
      const name = `web-${i}`;
      const ip = `172.31.9.${10 + i}`;
      // Scheduled and running: the endpoint controller lists it not ready, as soon as it has an IP.
      const pod: V1Pod = await core.createNamespacedPod({
        namespace: NS,
        body: {
          metadata: { name, labels: { app: 'web' } },
          spec: { automountServiceAccountToken: false, containers: [{ name: 'web', image: 'nginx' }] },
        },
      });
      if (!pod.spec?.readinessGates?.some((g) => g.conditionType === gate))
        throw new Error(`${name}: no gate injected`);
      await status(name, ip, false);
      endpoints.push({
        addresses: [ip],
        conditions: { ready: false, serving: false, terminating: false },
        targetRef: { kind: 'Pod', namespace: NS, name, uid: pod.metadata?.uid },
      });
      await slice();
      await new Promise((r) => setTimeout(r, DEBOUNCE_MS + 500));
      await h.system.pump.idle(300, 30_000);
      reconciler.take();
      webhookReads.take();

      // The kubelet: readiness probe passed. Everything from here is the gate's doing.
      const t0 = performance.now();
      await status(name, ip, true);
      let tReg = 0;
      await eventually(
        'condition True',
        async () => {
          if (!tReg && (await registered(ip))) tReg = performance.now();
          const p = await core.readNamespacedPodStatus({ name, namespace: NS });
          return p.status?.conditions?.some((x) => x.type === gate && x.status === 'True');
        },
        60_000,
        25,
      );
      const tTrue = performance.now();
      if (!tReg) tReg = tTrue;
      await h.system.pump.idle(300, 30_000);
      const calls = reconciler.take();
      const reads = webhookReads.take();
      if (i === PODS - 1) oneChange = calls;
      toRegistered.push(tReg - t0);
      toTrue.push(tTrue - t0);
      rows.push([name, Math.round(tReg - t0), Math.round(tTrue - t0), total(calls), total(reads)]);
    }
    rows.push(['median', Math.round(median(toRegistered)), Math.round(median(toTrue)), '', '']);
    console.log(
      `${PODS} pods one after the other; forwarder quiet period ${DEBOUNCE_MS} ms, health rounds every ${INTERVAL_MS} ms (product defaults)`,
    );
    console.log(table(rows));
    console.log(`\ntargets-only change (one pod registered), reconciler calls: ${fmtCalls(oneChange)}`);

    // For scale: the same stack reconciled with verify (what a full check costs).
    const before = h.system.pump.received.length;
    await h.system.webhook.forwarder?.resync([]);
    await eventually('the verify snapshot received', async () => h.system.pump.received.length > before);
    await h.system.pump.idle(500, 30_000);
    const verify = reconciler.take();
    console.log(
      `verify reconcile of the same stack, for comparison:    ${fmtCalls(verify)} (${total(verify)} calls)`,
    );
    webhookReads.take();
    await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS));
    console.log(
      `webhook health reads with no pod waiting, over ${(3 * INTERVAL_MS) / 1000} s: ${total(webhookReads.take())}`,
    );
    console.log(`reporter totals: ${JSON.stringify(reporter.stats)}`);
  } finally {
    await h.stop();
  }
}
