import { defineConfig } from 'vitest/config';

// Three projects: unit tests need nothing running; integration and e2e tests share one local
// stack (Ceph RGW, SQS emulator, Onedata simulator, function runner) started by the global setup.
export default defineConfig({
  test: {
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
    projects: [
      {
        test: {
          // Pure logic, plus in-process servers (the Onedata simulator) on 127.0.0.1: nothing external.
          name: 'unit',
          include: ['tests/unit/**/*.test.ts', 'tests/contract/**/*.test.ts'],
          setupFiles: ['tests/helpers/quiet-logs.ts'],
        },
      },
      {
        test: {
          name: 'stack',
          include: ['tests/integration/**/*.test.ts', 'tests/e2e/**/*.test.ts', 'tests/fault/**/*.test.ts'],
          globalSetup: ['tests/helpers/global-stack.ts'],
          setupFiles: ['tests/helpers/quiet-logs.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One stack, shared: run files one after another so they do not race on the same bucket.
          fileParallelism: false,
        },
      },
    ],
  },
});
