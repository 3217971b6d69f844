/**
 * `albatross <command> …`: dispatches to `cli/commands/<command>.ts`, loaded lazily so that a command
 * pays only for the modules it uses (the webhook never loads the CDK, `validate` never loads the SDK).
 */
import { UsageError } from './args';

export interface Command {
  summary: string;
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  validate: () => import('./commands/validate'),
  plan: () => import('./commands/plan'),
  reconcile: () => import('./commands/reconcile'),
  webhook: () => import('./commands/webhook'),
  dev: () => import('./commands/dev'),
  status: () => import('./commands/status'),
  redrive: () => import('./commands/redrive'),
  pause: () => import('./commands/pause'),
  resume: () => import('./commands/resume'),
};

async function usage(): Promise<string> {
  const lines = ['usage: albatross <command> [flags]', '', 'commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) {
    try {
      lines.push(`  ${name.padEnd(10)} ${(await load()).command.summary}`);
    } catch {
      // A command whose module is missing is not listed.
    }
  }
  lines.push('', 'common flags: --cluster-name NAME --region REGION --vpc-id VPC --json');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${await usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`albatross: unknown command "${name}"\n\n${await usage()}\n`);
    return 2;
  }
  const { command } = await load();
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`albatross ${name}: ${err.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    // Last line of defence: a one-line message, never a stack trace (set ALBATROSS_DEBUG=1 for one).
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`albatross ${name}: ${message}\n`);
    if (process.env.ALBATROSS_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    return 1;
  }
}

// `albatross plan … | head`: a reader that stops early is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await main(process.argv.slice(2));
