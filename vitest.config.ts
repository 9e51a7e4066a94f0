import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real-K3s runs have their own config (vitest.e2e.config.ts), run after this suite.
    exclude: ['test/e2e/**', 'node_modules/**'],
    // CLI tests spawn node processes; two cores on CI machines.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
