/**
 * Leader election on a coordination.k8s.io/v1 Lease: only the holder forwards snapshots and consumes
 * results; every replica admits. Acquire when the lease is absent or expired, renew while held.
 */
import { CoordinationV1Api, type KubeConfig, type V1Lease, V1MicroTime } from '@kubernetes/client-node';

export interface LeaderElectorOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewEverySeconds?: number;
  onChange?: (leader: boolean) => void;
  /** Told when a round fails (API errors other than losing a race). */
  onError?: (err: unknown) => void;
}

export class LeaderElector {
  private leader = false;
  private timer?: NodeJS.Timeout;
  private readonly api: CoordinationV1Api;

  constructor(
    kc: KubeConfig,
    private readonly o: LeaderElectorOptions,
  ) {
    this.api = kc.makeApiClient(CoordinationV1Api);
  }

  isLeader = (): boolean => this.leader;

  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), (this.o.renewEverySeconds ?? 5) * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.set(false);
  }

  /** One acquire-or-renew round; a conflict (someone else wrote first) just means not leader. */
  async tick(): Promise<void> {
    // MicroTime: the API server wants exactly six fractional digits, which a plain Date does not give.
    const now = new V1MicroTime();
    const duration = this.o.leaseDurationSeconds ?? 15;
    const spec = { holderIdentity: this.o.identity, leaseDurationSeconds: duration, renewTime: now };
    try {
      let lease: V1Lease | undefined;
      try {
        lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
      }
      if (!lease) {
        await this.api.createNamespacedLease({
          namespace: this.o.namespace,
          body: {
            metadata: { name: this.o.name, namespace: this.o.namespace },
            spec: { ...spec, acquireTime: now, leaseTransitions: 0 },
          },
        });
        return this.set(true);
      }
      const holder = lease.spec?.holderIdentity;
      const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
      const expired = renewed + (lease.spec?.leaseDurationSeconds ?? duration) * 1000 < now.getTime();
      if (holder !== this.o.identity && !expired) return this.set(false);
      const transitions = (lease.spec?.leaseTransitions ?? 0) + (holder === this.o.identity ? 0 : 1);
      await this.api.replaceNamespacedLease({
        name: this.o.name,
        namespace: this.o.namespace,
        // resourceVersion makes a concurrent takeover fail with 409 instead of two leaders.
        body: {
          metadata: { ...lease.metadata, name: this.o.name, namespace: this.o.namespace },
          spec: {
            ...spec,
            acquireTime: holder === this.o.identity ? lease.spec?.acquireTime : now,
            leaseTransitions: transitions,
          },
        },
      });
      this.set(true);
    } catch (err) {
      if ((err as { code?: number }).code !== 409) this.o.onError?.(err);
      this.set(false);
    }
  }

  private set(leader: boolean): void {
    if (leader !== this.leader) {
      this.leader = leader;
      this.o.onChange?.(leader);
    }
  }
}
