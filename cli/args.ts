import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Flags every command accepts (SPEC §9). */
export interface CommonFlags {
  clusterName?: string;
  region?: string;
  vpcId?: string;
  json: boolean;
}

const COMMON_OPTIONS = {
  'cluster-name': { type: 'string' },
  region: { type: 'string' },
  'vpc-id': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** A usage error: printed as one line with the usage text, exit code 2, never a stack trace. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses one command's argv with the common flags added. Unknown flags and missing values become a
 * `UsageError` naming the flag.
 */
export function parseCommandArgs<const O extends Options>(argv: string[], options: O) {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...COMMON_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
    const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
    const common: CommonFlags = {
      clusterName: v['cluster-name'] as string | undefined,
      region: v.region as string | undefined,
      vpcId: v['vpc-id'] as string | undefined,
      json: v.json === true,
    };
    return { values: parsed.values, positionals: parsed.positionals, common, help: v.help === true };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Fails with a `UsageError` unless the flag has a value. */
export function requireFlag(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing required flag --${flag}`);
  return value;
}
