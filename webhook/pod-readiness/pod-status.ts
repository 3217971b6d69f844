/**
 * The only pod writes: a target-health condition through the status subresource, and an Event when it
 * changes. Behind an interface so tests and local mode can record instead.
 */
import {
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1PodCondition,
} from '@kubernetes/client-node';
import type { DesiredCondition } from '../../shared/readiness-gates';

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface PodConditionWriter {
  /** `before`: the condition as last seen, whose transition time is kept when the status does not change. */
  setCondition(pod: PodRef, type: string, want: DesiredCondition, before?: V1PodCondition): Promise<void>;
  event(pod: PodRef, type: 'Normal' | 'Warning', c: DesiredCondition, targetGroup: string): Promise<void>;
}

export class KubePodConditionWriter implements PodConditionWriter {
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async setCondition(pod: PodRef, type: string, want: DesiredCondition, before?: V1PodCondition) {
    const lastTransitionTime =
      before?.status === want.status && before.lastTransitionTime ? before.lastTransitionTime : new Date();
    // Strategic merge on the status subresource merges conditions by type, leaving the kubelet's alone;
    // the uid makes the patch fail on a pod recreated under the same name instead of marking it.
    const body = {
      metadata: { uid: pod.uid },
      status: {
        conditions: [
          { type, status: want.status, reason: want.reason, message: want.message, lastTransitionTime },
        ],
      },
    };
    await this.core.patchNamespacedPodStatus(
      { name: pod.name, namespace: pod.namespace, body },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
  }

  async event(pod: PodRef, type: 'Normal' | 'Warning', c: DesiredCondition, targetGroup: string) {
    const now = new Date();
    await this.core.createNamespacedEvent({
      namespace: pod.namespace,
      body: {
        metadata: { generateName: `${pod.name}.`, namespace: pod.namespace },
        involvedObject: {
          apiVersion: 'v1',
          kind: 'Pod',
          name: pod.name,
          namespace: pod.namespace,
          uid: pod.uid,
        },
        type,
        reason: c.status === 'True' ? 'TargetHealthy' : 'TargetNotHealthy',
        message: `${targetGroup}: ${c.reason}: ${c.message}`.slice(0, 1024),
        source: { component: 'albatross' },
        reportingComponent: 'albatross.dev/webhook',
        reportingInstance: process.env.HOSTNAME ?? 'albatross',
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
  }
}

/** Local mode without an API server: say what would be written. */
export class LogPodConditionWriter implements PodConditionWriter {
  constructor(private readonly log: (line: string) => void) {}
  async setCondition(pod: PodRef, type: string, want: DesiredCondition) {
    this.log(
      `${pod.namespace}/${pod.name}: condition ${type} = ${want.status} (${want.reason}: ${want.message})`,
    );
  }
  async event() {}
}
