/**
 * What a command of `albatross` is: its flags as data (so help, unknown-flag and missing-flag errors are
 * produced in one place, before the command runs), and a `run` that gets the parsed values.
 */

export interface StringFlag {
  type: 'string';
  /** One line for `--help`. */
  description: string;
  /** The value's name in help and usage: `DIR`, `URL`, `NAME`. */
  placeholder: string;
  required?: boolean;
  default?: string;
}

export interface BooleanFlag {
  type: 'boolean';
  description: string;
  short?: string;
}

export type Flag = StringFlag | BooleanFlag;
export type FlagSpecs = Readonly<Record<string, Flag>>;

type ValueOf<F extends Flag> = F extends BooleanFlag
  ? boolean
  : F extends { required: true } | { default: string }
    ? string
    : string | undefined;

/** The parsed value of each flag: booleans are always set, required or defaulted strings too. */
export type FlagValues<S extends FlagSpecs> = { -readonly [K in keyof S]: ValueOf<S[K]> };

export interface CommandInput<S extends FlagSpecs> {
  flags: FlagValues<S>;
  positionals: string[];
  /** `--json` was given: stdout carries one JSON document (the result, or `{"error": …}`). */
  json: boolean;
}

export interface Command<S extends FlagSpecs = FlagSpecs> {
  flags: S;
  /** Positional arguments, when the command takes any: `FILE|DIR…` and how many at least. */
  positionals?: { synopsis: string; min: number };
  /** Returns the exit code. Throw a `CliError` (./errors) for a failure that ends the command. */
  run(input: CommandInput<S>): Promise<number>;
}

/** Keeps the flags' literal types, so `run` sees `string` for a required flag and `boolean` for a switch. */
export function defineCommand<const S extends FlagSpecs>(c: Command<S>): Command<S> {
  return c;
}
