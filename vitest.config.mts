import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Infrastructure tests synthesize stacks and bundle with esbuild: keep the
    // 2-core CI machine from thrashing by bounding the workers.
    maxWorkers: 2,
  },
});
