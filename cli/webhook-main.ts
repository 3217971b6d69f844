/**
 * The container image's entry point (bundled into `dist/webhook/webhook.mjs` by infra/bundle.ts): the
 * `albatross webhook` command and nothing else, so the image holds the webhook's modules only.
 *   node webhook.mjs --listen 0.0.0.0:9443 --tls-cert-file … --tls-key-file … --cluster-name …
 * Errors end the process as `albatross webhook` does: a usage error is one line and exit 2, anything
 * else one line and exit 1 (so a Pod that cannot start crash-loops instead of hanging).
 */
import { command } from './commands/webhook';
import { exitWhenFlushed, quietOnClosedPipe, runCommand } from './run-command';

// As bin/albatross.js: the SDK's multi-line Node-version notice would be the first thing in the Pod's log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Not read from cli/registry.ts: that would bundle every command into the image.
const SUMMARY = 'serve admission (validate + mutate) and forward snapshots to SQS';

quietOnClosedPipe();
exitWhenFlushed(await runCommand('webhook', SUMMARY, command, process.argv.slice(2)));
