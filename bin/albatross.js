#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx albatross` works straight after `npm ci`, with no build step.
import { register } from 'tsx/esm/api';

// The SDK's multi-line Node-version notice on every run buries the CLI's own output; engines says >= 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
await import('../cli/main.ts');
