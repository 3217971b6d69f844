/**
 * Running one command as a process: parse its flags (help, unknown and missing flags are answered here,
 * before it runs), run it, report a failure as one line (or `{"error": …}` with `--json`), exit with its
 * code. Shared by `albatross` (cli/main.ts) and the image's webhook entry point (cli/webhook-main.ts).
 */
import { helpText, parseFlags } from './args';
import type { Command, FlagSpecs } from './command';
import { CliError, errorJson } from './errors';

export function reportError(
  name: string | undefined,
  err: CliError,
  json: boolean,
  usageHint: boolean,
): number {
  if (json) {
    process.stdout.write(errorJson(name, err));
    return err.exitCode;
  }
  const prefix = name ? `albatross ${name}` : 'albatross';
  for (const d of err.details) process.stderr.write(`${d}\n`);
  const hint = usageHint && err.kind === 'usage' && name ? `; see albatross ${name} --help` : '';
  process.stderr.write(`${prefix}: ${err.message}${hint}\n`);
  return err.exitCode;
}

/** A non-CliError escaping a command is a bug or an unexpected failure: one line, never a stack trace. */
function asCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (process.env.ALBATROSS_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? err}\n`);
  return new CliError('failed', message.split('\n')[0] ?? message);
}

export async function runCommand<S extends FlagSpecs>(
  name: string,
  summary: string,
  command: Command<S>,
  argv: string[],
): Promise<number> {
  const json = argv.includes('--json');
  let parsed: ReturnType<typeof parseFlags<S>>;
  try {
    parsed = parseFlags(name, command, argv);
  } catch (err) {
    return reportError(name, asCliError(err), json, true);
  }
  if (parsed.help) {
    process.stdout.write(helpText(name, summary, command));
    return 0;
  }
  try {
    return await command.run({ flags: parsed.flags, positionals: parsed.positionals, json });
  } catch (err) {
    return reportError(name, asCliError(err), json, false);
  }
}

/**
 * Exits with `code` once stdout and stderr are flushed. Explicitly: a command that failed while starting
 * may have left handles (a watcher, an informer) that would otherwise keep the process alive — a Pod must
 * crash, not hang. A reader that stops early (`| head`) ends the process quietly, not with EPIPE.
 */
export function exitWhenFlushed(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

export function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
}
