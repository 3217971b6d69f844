/**
 * Parsing a command's argv against its flag specs (`node:util` parseArgs tokens), and the help text made
 * from the same specs. Every mistake is a `UsageError` naming the flag.
 */
import { parseArgs } from 'node:util';
import type { Command, Flag, FlagSpecs, FlagValues } from './command';
import { UsageError } from './errors';

export { UsageError } from './errors';

const HELP: Flag = { type: 'boolean', short: 'h', description: 'print this help and exit' };

export interface ParsedArgs<S extends FlagSpecs> {
  flags: FlagValues<S>;
  positionals: string[];
  help: boolean;
}

const flagList = (specs: FlagSpecs) => [...Object.keys(specs).map((f) => `--${f}`), '--help'].join(', ');

/**
 * `argv` against `specs`. `--help` wins over every other problem except an unknown flag, so that
 * `albatross plan --help` works without the required flags.
 */
export function parseFlags<S extends FlagSpecs>(
  commandName: string,
  command: Pick<Command<S>, 'flags' | 'positionals'>,
  argv: string[],
): ParsedArgs<S> {
  const specs = command.flags;
  const options = Object.fromEntries(
    Object.entries({ ...specs, help: HELP }).map(([name, f]) => [
      name,
      { type: f.type, ...(f.type === 'boolean' && f.short ? { short: f.short } : {}) },
    ]),
  );
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | boolean | undefined> = {};
  const positionals: string[] = [];
  let help = false;
  const problems: UsageError[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') positionals.push(t.value);
    if (t.kind !== 'option') continue;
    if (t.name === 'help') {
      help = true;
      continue;
    }
    const spec = specs[t.name];
    if (!spec) {
      throw new UsageError(`unknown flag ${t.rawName}; the flags of ${commandName} are ${flagList(specs)}`, {
        flag: t.name,
      });
    }
    if (spec.type === 'boolean') {
      if (t.inlineValue) problems.push(new UsageError(`${t.rawName} takes no value`, { flag: t.name }));
      values[t.name] = true;
    } else if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--'))) {
      problems.push(
        new UsageError(`${t.rawName} needs a value: ${t.rawName} ${spec.placeholder}`, { flag: t.name }),
      );
    } else {
      values[t.name] = t.value;
    }
  }
  if (help) return { flags: values as FlagValues<S>, positionals, help };
  if (problems[0]) throw problems[0];
  for (const [name, spec] of Object.entries(specs)) {
    if (values[name] !== undefined) continue;
    if (spec.type === 'boolean') values[name] = false;
    else if (spec.default !== undefined) values[name] = spec.default;
    else if (spec.required)
      throw new UsageError(`missing required flag --${name} ${spec.placeholder}`, { flag: name });
  }
  const min = command.positionals?.min ?? 0;
  if (!command.positionals && positionals.length > 0)
    throw new UsageError(
      `unexpected argument ${JSON.stringify(positionals[0])}: ${commandName} takes only flags`,
    );
  if (positionals.length < min)
    throw new UsageError(`expected at least ${min === 1 ? 'one' : min} ${command.positionals?.synopsis}`);
  return { flags: values as FlagValues<S>, positionals, help: false };
}

/** `albatross plan --manifests DIR --cluster-name NAME [flags]`: the required flags, then the rest. */
export function usageLine(name: string, command: Pick<Command, 'flags' | 'positionals'>): string {
  const required = Object.entries(command.flags)
    .filter(([, f]) => f.type === 'string' && f.required)
    .map(([n, f]) => `--${n} ${f.type === 'string' ? f.placeholder : ''}`);
  return [
    'albatross',
    name,
    ...(command.positionals ? [command.positionals.synopsis] : []),
    ...required,
    '[flags]',
  ].join(' ');
}

/** The help of one command: summary, usage, then every flag on one line with its description. */
export function helpText(
  name: string,
  summary: string,
  command: Pick<Command, 'flags' | 'positionals'>,
): string {
  const rows = Object.entries({ ...command.flags, help: HELP }).map(([flag, f]) => {
    const left = `${f.type === 'boolean' && f.short ? `-${f.short}, ` : '    '}--${flag}${f.type === 'string' ? ` ${f.placeholder}` : ''}`;
    const notes =
      f.type === 'string'
        ? [f.required ? 'required' : '', f.default !== undefined ? `default ${f.default}` : '']
        : [];
    const note = notes.filter(Boolean).join(', ');
    return [left, `${f.description}${note ? ` (${note})` : ''}`] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length));
  return [
    `albatross ${name}: ${summary}`,
    '',
    `usage: ${usageLine(name, command)}`,
    '',
    'flags:',
    ...rows.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`),
    '',
  ].join('\n');
}
