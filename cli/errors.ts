/**
 * Failures a command reports to its user: one line (plus detail lines), an exit code, and — with `--json` —
 * the same as data. Never a stack trace.
 */

export type ErrorKind =
  /** Wrong flags or arguments: exit 2. */
  | 'usage'
  /** Input that cannot be used (manifests that do not parse, an unreadable file): exit 1. */
  | 'input'
  /** A long-running command could not start (port in use, certificate unreadable…): exit 1. */
  | 'startup'
  /** Anything else that ends the command: exit 1. */
  | 'failed';

export interface CliErrorOptions {
  /** The flag the error is about, without dashes. */
  flag?: string;
  /** One line each, printed before the message (problems in manifests, say). */
  details?: string[];
}

export class CliError extends Error {
  readonly flag?: string;
  readonly details: string[];
  constructor(
    readonly kind: ErrorKind,
    message: string,
    o: CliErrorOptions = {},
  ) {
    super(message);
    if (o.flag !== undefined) this.flag = o.flag;
    this.details = o.details ?? [];
  }
  get exitCode(): 1 | 2 {
    return this.kind === 'usage' ? 2 : 1;
  }
}

/** Wrong flags or arguments: printed with a pointer to `--help`, exit 2. */
export class UsageError extends CliError {
  constructor(message: string, o: CliErrorOptions = {}) {
    super('usage', message, o);
  }
}

/** The `{"error": …}` document printed on stdout with `--json`. */
export function errorJson(command: string | undefined, err: CliError): string {
  return `${JSON.stringify({
    error: {
      ...(command ? { command } : {}),
      kind: err.kind,
      message: err.message,
      ...(err.flag ? { flag: err.flag } : {}),
      ...(err.details.length ? { details: err.details } : {}),
      exitCode: err.exitCode,
    },
  })}\n`;
}
