/**
 * The webhook process: admission server + cluster state, and — when queues are configured — the
 * forwarder, the periodic resync and the results consumer, driven only by the Lease holder.
 */
import { hostname } from 'node:os';
import { SQSClient } from '@aws-sdk/client-sqs';
import { KubeConfig } from '@kubernetes/client-node';
import { createAwsClients, createCloudWatchClient } from '../aws/clients';
import { listClusterStacks } from '../aws/cluster-stacks';
import { CloudWatchPublisher } from './cloudwatch';
import type { ClusterState } from './cluster-state';
import { type ClusterWriter, KubeClusterWriter, LogClusterWriter } from './cluster-writer';
import { Forwarder, modelFailureRecipients } from './forwarder';
import { InformerClusterState } from './informer-state';
import { LeaderElector } from './leader';
import { ManifestsClusterState, type ManifestsStateOptions } from './manifests-state';
import { WebhookMetrics } from './metrics';
import { GateIndex } from './pod-readiness/gate-index';
import { TargetHealthReporter } from './pod-readiness/health-reporter';
import { readinessGateMetrics } from './pod-readiness/metrics';
import { KubePodConditionWriter, LogPodConditionWriter } from './pod-readiness/pod-status';
import { ResultsConsumer } from './results';
import { type RunningWebhook, startWebhookServer } from './server';
import { SqsSnapshotSender } from './sqs-sender';
import { StackHealth } from './stack-health';

export type ClusterSource =
  | { kind: 'manifests'; dir: string; options?: ManifestsStateOptions }
  | { kind: 'kubeconfig'; path: string }
  | { kind: 'in-cluster' };

export interface WebhookConfig {
  host: string;
  port: number;
  tlsCertFile: string;
  tlsKeyFile: string;
  clusterName: string;
  source: ClusterSource;
  queueUrl?: string;
  resultsQueueUrl?: string;
  region?: string;
  /** Default: 600. 0 disables the periodic resync. */
  resyncSeconds?: number;
  debounceMs?: number;
  /** Long-poll wait of the results consumer (default 20 s, the SQS maximum). */
  resultsWaitSeconds?: number;
  /** Lease namespace (default: POD_NAMESPACE or albatross-system). */
  leaseNamespace?: string;
  log?: (line: string) => void;
  /**
   * The webhook's metrics to CloudWatch (namespace Albatross, dimension Cluster) once a minute. Default: on
   * when forwarding is (`queueUrl` set, so AWS is reachable); `false` turns it off.
   */
  cloudWatchMetrics?: false | { intervalMs?: number };
  /** Replaces the Kubernetes writer (tests, local mode). */
  writer?: ClusterWriter;
  /**
   * Pod readiness gates fed by target health (docs/readiness-gates.md): watch pods of labelled
   * namespaces, inject gates on POST /mutate-pod, report target health into the pods' conditions.
   */
  podReadinessGates?: boolean;
  /** Rounds of target-health reads while pods wait (default 2000 ms). */
  readinessIntervalMs?: number;
}

export interface Webhook extends RunningWebhook {
  state: ClusterState;
  cloudWatch?: CloudWatchPublisher;
  forwarder?: Forwarder;
  results?: ResultsConsumer;
  /** Present when `podReadinessGates` is on. */
  readinessGates?: TargetHealthReporter;
  isLeader(): boolean;
}

function kubeConfigOf(source: ClusterSource): KubeConfig | undefined {
  if (source.kind === 'manifests') return undefined;
  const kc = new KubeConfig();
  if (source.kind === 'kubeconfig') kc.loadFromFile(source.path);
  else kc.loadFromCluster();
  return kc;
}

export async function startWebhook(c: WebhookConfig): Promise<Webhook> {
  const log = c.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const kc = kubeConfigOf(c.source);
  const state: ClusterState =
    c.source.kind === 'manifests'
      ? new ManifestsClusterState(c.source.dir, { onProblem: log, ...c.source.options })
      : new InformerClusterState(
          kc!,
          (kind, err) => log(`informer ${kind}: ${(err as Error)?.message ?? err}`),
          { podReadinessGates: c.podReadinessGates === true },
        );
  const metrics = new WebhookMetrics();
  const leader = kc
    ? new LeaderElector(kc, {
        namespace: c.leaseNamespace ?? process.env.POD_NAMESPACE ?? 'albatross-system',
        name: 'albatross-webhook',
        identity: process.env.POD_NAME ?? `${hostname()}-${process.pid}`,
        onChange: (l) => {
          log(l ? 'leader: this replica now forwards' : 'leader: this replica only admits');
          // A new leader knows nothing of what the last one sent: it starts with a full, verified pass.
          if (l && started) void resync();
        },
        onError: (err) => log(`leader election: ${(err as Error).message ?? err}`),
      })
    : undefined;
  const isLeader = () => (leader ? leader.isLeader() : true);
  /** Set once start-up reached its own first resync; a leadership gained before that waits for it. */
  let started = false;
  const writer = c.writer ?? (kc ? new KubeClusterWriter(kc) : new LogClusterWriter(log));
  const region = c.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const sqs = new SQSClient({ region, maxAttempts: 5 });
  // Shared by the forwarder and the results consumer: a failed stack is re-sent on its next change.
  const health = new StackHealth();

  let forwarder: Forwarder | undefined;
  if (c.queueUrl) {
    forwarder = new Forwarder({
      clusterName: c.clusterName,
      state,
      sender: new SqsSnapshotSender(sqs, c.queueUrl),
      isLeader,
      metrics,
      health,
      holdUntilResync: true,
      ...(c.debounceMs !== undefined ? { debounceMs: c.debounceMs } : {}),
      events: {
        modelFailed: (build, message) => {
          for (const m of modelFailureRecipients(build))
            void writer
              .event({ member: m, type: 'Warning', reason: 'FailedBuildModel', message })
              .catch(() => undefined);
        },
        sendFailed: (s, reason) => {
          log(`forwarder: could not send stack ${s.stackId}: ${reason}`);
          for (const m of s.members)
            void writer
              .event({ member: m, type: 'Warning', reason: 'FailedSendSnapshot', message: reason })
              .catch(() => undefined);
        },
      },
    });
  } else log('forwarding is off (no --queue-url): admission only');

  const gates = c.podReadinessGates ? new GateIndex(state, { clusterName: c.clusterName }) : undefined;
  const elbv2 = createAwsClients({ region });
  const readinessGates = gates
    ? new TargetHealthReporter({
        state,
        gates,
        elbv2: elbv2.elbv2,
        writer: kc ? new KubePodConditionWriter(kc) : new LogPodConditionWriter(log),
        isLeader,
        ...(c.readinessIntervalMs !== undefined ? { intervalMs: c.readinessIntervalMs } : {}),
        metrics: readinessGateMetrics(metrics.registry),
        log,
      })
    : undefined;
  const gatedPods = state instanceof InformerClusterState ? state.gatedPods : undefined;

  await state.start();
  await leader?.start();
  const server = await startWebhookServer({
    host: c.host,
    port: c.port,
    tlsCertFile: c.tlsCertFile,
    tlsKeyFile: c.tlsKeyFile,
    clusterName: c.clusterName,
    state,
    ...(gates
      ? { pods: { gates, ...(gatedPods ? { labelledNamespaces: () => gatedPods.labelled() } : {}) } }
      : {}),
    metrics,
    log,
  });
  readinessGates?.start();

  // The first pass sends every stack once, verified.
  started = true;
  async function resync(): Promise<void> {
    if (!forwarder || !isLeader()) return;
    let inAws: string[] = [];
    try {
      inAws = await listClusterStacks(elbv2, c.clusterName);
    } catch (err) {
      log(
        `resync: could not list stacks in AWS (orphans not detected this round): ${(err as Error).message}`,
      );
    }
    await forwarder.resync(inAws);
  }
  if (forwarder) await resync();
  const resyncTimer =
    c.resyncSeconds === 0 ? undefined : setInterval(() => void resync(), (c.resyncSeconds ?? 600) * 1000);
  resyncTimer?.unref();

  const results = c.resultsQueueUrl
    ? new ResultsConsumer(sqs, c.resultsQueueUrl, writer, isLeader, log, c.resultsWaitSeconds ?? 20, health)
    : undefined;
  results?.start();

  const publishing = c.cloudWatchMetrics ?? (c.queueUrl ? {} : false);
  const cloudWatch = publishing
    ? new CloudWatchPublisher({
        cloudwatch: createCloudWatchClient({ region, maxAttempts: 2 }),
        cluster: c.clusterName,
        metrics,
        isLeader,
        log,
        ...(publishing.intervalMs ? { intervalMs: publishing.intervalMs } : {}),
      })
    : undefined;
  cloudWatch?.start();

  return {
    ...server,
    state,
    ...(forwarder ? { forwarder } : {}),
    ...(results ? { results } : {}),
    ...(readinessGates ? { readinessGates } : {}),
    isLeader,
    async close() {
      clearInterval(resyncTimer);
      await readinessGates?.stop();
      await server.close();
      await forwarder?.flush();
      await forwarder?.drain();
      await results?.stop();
      await cloudWatch?.stop();
      await leader?.stop();
      await state.stop();
    },
  };
}
