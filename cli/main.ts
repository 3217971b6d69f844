/**
 * `albatross <command> …`: finds the command in the registry and imports only that module (so
 * `albatross --help` loads none), then runs it as a process (./run-command.ts).
 */
import { CliError } from './errors';
import { COMMANDS } from './registry';
import { exitWhenFlushed, quietOnClosedPipe, reportError, runCommand } from './run-command';

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'usage: albatross <command> [flags]',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'albatross <command> --help prints the flags of a command.',
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(overview());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0];
    if (topic === undefined || !COMMANDS[topic]) {
      process.stdout.write(overview());
      return 0;
    }
    return main([topic, '--help']);
  }
  const entry = COMMANDS[name];
  if (!entry) {
    const known = Object.keys(COMMANDS).join(', ');
    const err = new CliError('usage', `unknown command ${JSON.stringify(name)}; the commands are ${known}`);
    return reportError(undefined, err, argv.includes('--json'), false);
  }
  const { command } = await entry.load();
  return runCommand(name, entry.summary, command, rest);
}

quietOnClosedPipe();
exitWhenFlushed(await main(process.argv.slice(2)));
