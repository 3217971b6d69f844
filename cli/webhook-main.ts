/**
 * The container image's entry point (bundled into `dist/webhook/webhook.mjs` by infra/bundle.ts): the
 * `albatross webhook` command and nothing else, so the image holds the webhook's modules only.
 *   node webhook.mjs --listen 0.0.0.0:9443 --tls-cert-file … --tls-key-file … --cluster-name …
 * Errors end the process as `albatross webhook` does: a usage error is one line and exit 2, anything
 * else one line and exit 1 (so a Pod that cannot start crash-loops instead of hanging).
 */
import { UsageError } from './args';
import { command } from './commands/webhook';

// As bin/albatross.js: the SDK's multi-line Node-version notice would be the first thing in the Pod's log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(argv: string[]): Promise<number> {
  try {
    return await command.run(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`albatross webhook: ${err.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    process.stderr.write(`albatross webhook: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.ALBATROSS_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
