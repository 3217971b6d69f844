/** Prometheus metrics of readiness gates, registered beside the webhook's own (GET /metrics). */
import { Gauge, Histogram, type Registry } from 'prom-client';

export interface ReadinessGateMetrics {
  /** Gated pods whose containers are ready and that still wait for a target group to report healthy. */
  waitingPods(n: number): void;
  /** Seconds from a pod's containers ready to its target-health gate turning True. */
  gateOpened(seconds: number): void;
}

export function readinessGateMetrics(registry: Registry): ReadinessGateMetrics {
  const waiting = new Gauge({
    name: 'albatross_readiness_gate_waiting_pods',
    help: 'Pods whose containers are ready, held not Ready by a target-health gate',
    registers: [registry],
  });
  const opened = new Histogram({
    name: 'albatross_readiness_gate_open_seconds',
    help: 'Time from containers ready to the target-health condition True',
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  return {
    waitingPods: (n) => waiting.set(n),
    gateOpened: (s) => opened.observe(s),
  };
}
