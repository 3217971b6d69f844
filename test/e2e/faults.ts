/**
 * Fault injection on a real SDK v3 client: a middleware that, while a fault is armed for a command,
 * answers it with the AWS error a real service would send (a modelled ServiceException with the AWS
 * error code as its name) instead of calling the endpoint.
 */
import { ElasticLoadBalancingV2ServiceException } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { MiddlewareStack } from '@smithy/types';

export interface Fault {
  /** AWS error code, e.g. `AccessDenied`. */
  name: string;
  message: string;
  httpStatusCode?: number;
}

export interface FaultSwitch {
  fail(commandName: string, fault: Fault): void;
  clear(): void;
  /** How many calls the armed faults answered. */
  readonly injected: number;
  attach(client: { middlewareStack: MiddlewareStack<object, object> }): void;
}

export function faultSwitch(): FaultSwitch {
  const armed = new Map<string, Fault>();
  let injected = 0;
  return {
    fail(commandName, fault) {
      armed.set(commandName, fault);
    },
    clear() {
      armed.clear();
    },
    get injected() {
      return injected;
    },
    attach(client) {
      const name = 'albatrossTestFaults';
      client.middlewareStack.remove(name);
      client.middlewareStack.add(
        (next, context) => async (args) => {
          // The SDK names commands with a `Command` suffix (`ModifyRuleCommand`); faults are armed by API name.
          const command = ((context as { commandName?: string }).commandName ?? '').replace(/Command$/, '');
          const fault = armed.get(command);
          if (!fault) return next(args);
          injected++;
          throw new ElasticLoadBalancingV2ServiceException({
            name: fault.name,
            $fault: 'client',
            message: fault.message,
            $metadata: { httpStatusCode: fault.httpStatusCode ?? 403, attempts: 1, totalRetryDelay: 0 },
          });
        },
        { step: 'initialize', name, priority: 'high' },
      );
    },
  };
}
