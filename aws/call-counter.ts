/**
 * Counts the HTTP requests each client sends, split into reads and writes. Installed in the
 * finalizeRequest step below the retry middleware, so every attempt counts: what AWS really sees.
 */
import type { ACMClient } from '@aws-sdk/client-acm';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { WAFV2Client } from '@aws-sdk/client-wafv2';
import { THROTTLING_CODES } from './errors';

export interface CallCounts {
  read: number;
  write: number;
  /** Throttling errors seen (each one retried by the SDK). */
  throttled: number;
}

const READ = /^(Describe|Get|List)/;

type Client = Pick<
  ElasticLoadBalancingV2Client | EC2Client | WAFV2Client | ResourceGroupsTaggingAPIClient | ACMClient,
  'middlewareStack'
>;

export class CallCounter {
  readonly counts: CallCounts = { read: 0, write: 0, throttled: 0 };

  /** Adds the counter to `client`; idempotent per client. */
  attach(client: Client): void {
    const name = 'albatrossCallCounter';
    const stack = client.middlewareStack as ElasticLoadBalancingV2Client['middlewareStack'];
    stack.remove(name);
    stack.add(
      (next, context) => async (args) => {
        const command = (context as { commandName?: string }).commandName ?? '';
        if (READ.test(command)) this.counts.read++;
        else this.counts.write++;
        try {
          return await next(args);
        } catch (err) {
          if (THROTTLING_CODES.has((err as { name?: string }).name ?? '')) this.counts.throttled++;
          throw err;
        }
      },
      { step: 'finalizeRequest', name, priority: 'low' },
    );
  }

  snapshot(): CallCounts {
    return { ...this.counts };
  }
}

export function isReadCommand(commandName: string): boolean {
  return READ.test(commandName);
}
