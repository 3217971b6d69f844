/**
 * The webhook's only writes to Kubernetes: Ingress status, Events, and removing our finalizer from
 * Ingresses that have left a stack. Behind an interface so local mode can log instead.
 */
import {
  CoreV1Api,
  type KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Ingress,
} from '@kubernetes/client-node';
import type { MemberRef } from '../shared/messages';

export interface IngressEvent {
  member: MemberRef;
  type: 'Normal' | 'Warning';
  /** As the LBC: FailedBuildModel for annotation/model errors, FailedDeployModel for AWS errors. */
  reason: 'SuccessfullyReconciled' | 'FailedBuildModel' | 'FailedDeployModel' | 'FailedSendSnapshot';
  message: string;
}

export interface ClusterWriter {
  setStatus(member: MemberRef, hostname: string, ports: { port: number; protocol: string }[]): Promise<void>;
  event(e: IngressEvent): Promise<void>;
  removeFinalizer(member: MemberRef, finalizer: string): Promise<void>;
}

export class KubeClusterWriter implements ClusterWriter {
  private readonly net: NetworkingV1Api;
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.net = kc.makeApiClient(NetworkingV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async setStatus(
    m: MemberRef,
    hostname: string,
    ports: { port: number; protocol: string }[],
  ): Promise<void> {
    const body = {
      status: {
        loadBalancer: {
          ingress: [{ hostname, ports: ports.map((p) => ({ port: p.port, protocol: 'TCP' })) }],
        },
      },
    };
    await this.net.patchNamespacedIngressStatus(
      { name: m.name, namespace: m.namespace, body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async event(e: IngressEvent): Promise<void> {
    const now = new Date();
    await this.core.createNamespacedEvent({
      namespace: e.member.namespace,
      body: {
        metadata: { generateName: `${e.member.name}.`, namespace: e.member.namespace },
        involvedObject: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          name: e.member.name,
          namespace: e.member.namespace,
          uid: e.member.uid,
        },
        type: e.type,
        reason: e.reason,
        message: e.message.slice(0, 1024),
        source: { component: 'albatross' },
        reportingComponent: 'albatross.dev/webhook',
        reportingInstance: process.env.HOSTNAME ?? 'albatross',
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
  }

  async removeFinalizer(m: MemberRef, finalizer: string): Promise<void> {
    const ing: V1Ingress = await this.net.readNamespacedIngress({ name: m.name, namespace: m.namespace });
    const list = ing.metadata?.finalizers ?? [];
    const i = list.indexOf(finalizer);
    if (i < 0) return;
    // The test op makes a concurrent change to the list fail the patch instead of removing the wrong entry.
    const body = [
      { op: 'test', path: `/metadata/finalizers/${i}`, value: finalizer },
      { op: 'remove', path: `/metadata/finalizers/${i}` },
    ];
    await this.net.patchNamespacedIngress(
      { name: m.name, namespace: m.namespace, body },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
  }
}

/** Local mode: there is no API server to write to; say what would be written. */
export class LogClusterWriter implements ClusterWriter {
  constructor(private readonly log: (line: string) => void) {}
  async setStatus(m: MemberRef, hostname: string): Promise<void> {
    this.log(`${m.namespace}/${m.name}: status.loadBalancer.ingress[0].hostname = ${hostname}`);
  }
  async event(e: IngressEvent): Promise<void> {
    this.log(`${e.member.namespace}/${e.member.name}: ${e.type} ${e.reason}: ${e.message}`);
  }
  async removeFinalizer(m: MemberRef, finalizer: string): Promise<void> {
    this.log(`${m.namespace}/${m.name}: finalizer ${finalizer} removed`);
  }
}
