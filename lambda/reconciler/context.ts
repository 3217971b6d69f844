/**
 * Everything one reconcile of one stack shares: the snapshot, the clients, the write recorder (which
 * makes plan mode the same code as apply mode), ownership, and the ARNs resolved so far.
 */

import type { AwsClients } from '../../aws/clients';
import { awsErrorCode } from '../../aws/errors';
import type { StackSnapshot } from '../../shared/messages';
import type { Tags } from '../../shared/model';
import { isOwnedBy } from '../../shared/tags';
import type { Change, Write } from './changes';

export interface ReconcileOptions {
  cluster: string;
  vpcId?: string;
  /** Waits between delete retries on ResourceInUse / DependencyViolation (ms); tests shorten them. */
  deleteRetryDelaysMs?: readonly number[];
}

/**
 * An AWS identifier that exists, or one that a planned create would produce. Plan mode carries on past
 * a create with a pending reference, so the plan lists everything that would follow it.
 */
export type Ref = { kind: 'known'; id: string } | { kind: 'pending'; label: string };
export const known = (id: string): Ref => ({ kind: 'known', id });
export const pending = (label: string): Ref => ({ kind: 'pending', label });
/** The identifier to put in an SDK call or a change record. */
export const refText = (r: Ref): string => (r.kind === 'known' ? r.id : `(new ${r.label})`);

export interface Ctx {
  readonly clients: AwsClients;
  readonly snapshot: StackSnapshot;
  readonly cluster: string;
  readonly stackId: string;
  readonly vpcId: string | undefined;
  readonly dryRun: boolean;
  readonly write: Write;
  readonly changes: readonly Change[];
  readonly deleteDelaysMs: readonly number[];
  owned(tags: Tags): boolean;
}

const DEFAULT_DELETE_DELAYS = [500, 1000, 2000, 4000, 8000, 8000] as const;

export function createContext(
  clients: AwsClients,
  snapshot: StackSnapshot,
  opts: ReconcileOptions,
  dryRun: boolean,
): Ctx {
  const changes: Change[] = [];
  const write: Write = async (change, send) => {
    changes.push(change);
    return dryRun ? undefined : send();
  };
  return {
    clients,
    snapshot,
    cluster: opts.cluster,
    stackId: snapshot.stackId,
    vpcId: opts.vpcId,
    dryRun,
    write,
    changes,
    deleteDelaysMs: opts.deleteRetryDelaysMs ?? DEFAULT_DELETE_DELAYS,
    owned: (tags) => isOwnedBy(tags, opts.cluster, snapshot.stackId),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** AWS frees target groups and security groups a little after whatever used them goes. */
export async function retryWhile<T>(ctx: Ctx, code: string, call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (awsErrorCode(err) !== code || attempt >= ctx.deleteDelaysMs.length) throw err;
      await sleep(ctx.deleteDelaysMs[attempt]!);
    }
  }
}
