/**
 * The commands of `albatross`. Summaries live here, so `albatross --help` lists them without loading any
 * command module; the chosen command alone is imported. To add a command: one entry here and a module
 * under ./commands exporting `command` (see ./command.ts).
 */
import type { Command } from './command';

export interface CommandEntry {
  summary: string;
  load(): Promise<{ command: Command }>;
}

export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  validate: {
    summary: 'check Ingress manifests offline as admission would (exit 1 on any denial)',
    load: () => import('./commands/validate'),
  },
  plan: {
    summary: 'print the desired stacks (and the AWS-side diff when an AWS endpoint is set); changes nothing',
    load: () => import('./commands/plan'),
  },
  reconcile: {
    summary: 'reconcile AWS to the Ingresses in a directory of manifests (one shot, in-process)',
    load: () => import('./commands/reconcile'),
  },
  status: {
    summary: 'the load balancers of a cluster, and whether they drifted from the manifests',
    load: () => import('./commands/status'),
  },
  webhook: {
    summary: 'serve admission (validate + mutate) and forward snapshots to SQS',
    load: () => import('./commands/webhook'),
  },
  dev: {
    summary: 'local mode: AWS emulator + webhook + reconciler on the example app (what npm start runs)',
    load: () => import('./commands/dev'),
  },
  pause: {
    summary: 'stop the reconciler taking snapshots off the queue (they wait there; nothing is lost)',
    load: () => import('./commands/pause'),
  },
  resume: {
    summary: 'let the reconciler take snapshots off the queue again',
    load: () => import('./commands/resume'),
  },
  redrive: {
    summary: 'replay snapshots from the dead-letter queue to the snapshot queue',
    load: () => import('./commands/redrive'),
  },
};
