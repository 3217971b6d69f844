#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx albatross` works straight after `npm ci`, with no build step.
// `albatross --help` (and no arguments) is answered here, from cli/commands.json, without loading tsx or
// any command: it is what people run first, and it should be instant.
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 0 || (argv.length === 1 && ['--help', '-h', 'help'].includes(argv[0]))) {
  const summaries = JSON.parse(readFileSync(new URL('../cli/commands.json', import.meta.url), 'utf8'));
  const width = Math.max(...Object.keys(summaries).map((n) => n.length));
  const text = [
    'usage: albatross <command> [flags]',
    '',
    'commands:',
    ...Object.entries(summaries).map(([name, summary]) => `  ${name.padEnd(width)}  ${summary}`),
    '',
    'albatross <command> --help prints the flags of a command.',
    '',
  ].join('\n');
  // Without a command it is a usage error (exit 2, on stderr); asked for, it is the answer.
  if (argv.length === 0) process.stderr.write(text);
  else process.stdout.write(text);
  process.exitCode = argv.length === 0 ? 2 : 0;
} else {
  const { register } = await import('tsx/esm/api');
  // The SDK's multi-line Node-version notice on every run buries the CLI's own output; engines says >= 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  register();
  await import('../cli/main.ts');
}
