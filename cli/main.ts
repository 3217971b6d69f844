/**
 * `albatross <command> …`: finds the command in the registry and imports only that module, then runs it
 * as a process (./run-command.ts).
 */
import { CliError } from './errors';
import { COMMANDS } from './registry';
import { exitWhenFlushed, quietOnClosedPipe, reportError, runCommand } from './run-command';

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  // `albatross` and `albatross --help` alone are answered by bin/albatross.js, without TypeScript.
  if (name === undefined)
    return reportError(
      undefined,
      new CliError('usage', 'expected a command (albatross --help)'),
      false,
      false,
    );
  if ((name === '--help' || name === '-h' || name === 'help') && rest[0] !== undefined)
    return main([rest[0], '--help']);
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
