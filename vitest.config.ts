import { defineConfig } from 'vitest/config';

/** Integration tests of result files only (no engine, no VM, no worker image): they run beside the engines' (scripts/vitest-summary.mjs). */
const FILE_TESTS = [
  'test/integration/query.test.ts',
  'test/integration/report.test.ts',
  'test/integration/compare.test.ts',
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'files',
          include: FILE_TESTS,
          fileParallelism: false,
          testTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: FILE_TESTS,
          // Real engines and VMs: one file at a time, generous limits.
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
