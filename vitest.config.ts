import { defineConfig } from 'vitest/config';

// Keep test output readable: the SDK prints a multi-line Node-version notice in every worker.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Every AWS call in the suites goes to moto on loopback; it accepts any credentials.
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';

// Four projects: fast pure tests (unit, conformance) in parallel; moto-backed and API-server-backed suites one file at a
// time (they reset shared emulator state between tests). Sized for 2 cores.
export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      // The AWS Load Balancer Controller's reference cases, run against the model builder (pure).
      { test: { name: 'conformance', include: ['test/conformance/**/*.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'aws',
          include: ['test/aws/**/*.test.ts'],
          globalSetup: ['test/support/moto-global.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
