import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests run the CLI as child processes; two cores are enough for two files at once.
    maxWorkers: 2,
  },
});
