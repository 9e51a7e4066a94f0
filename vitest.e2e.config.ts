import { defineConfig } from 'vitest/config';

// End-to-end runs on real K3s: one file, one test at a time, wall-clock long. They run after the
// main suite (npm test), never beside the Docker tests that remove twin's containers.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 40 * 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
