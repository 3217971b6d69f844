/**
 * The commands of `albatross`: their one-line summaries in ./commands.json (which bin/albatross.js reads
 * for `albatross --help` without loading TypeScript at all), their modules here, imported only when
 * chosen. To add a command: a line in each, and a module under ./commands exporting `command`
 * (see ./command.ts).
 */
import type { Command } from './command';
import SUMMARIES from './commands.json' with { type: 'json' };

export interface CommandEntry {
  summary: string;
  load(): Promise<{ command: Command }>;
}

const LOADERS: Record<string, () => Promise<{ command: Command }>> = {
  validate: () => import('./commands/validate'),
  plan: () => import('./commands/plan'),
  reconcile: () => import('./commands/reconcile'),
  status: () => import('./commands/status'),
  webhook: () => import('./commands/webhook'),
  dev: () => import('./commands/dev'),
  pause: () => import('./commands/pause'),
  resume: () => import('./commands/resume'),
  redrive: () => import('./commands/redrive'),
};

export const COMMANDS: Readonly<Record<string, CommandEntry>> = Object.fromEntries(
  Object.entries(SUMMARIES as Record<string, string>).flatMap(([name, summary]) => {
    const load = LOADERS[name];
    return load ? [[name, { summary, load }]] : [];
  }),
);
