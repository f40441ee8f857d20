import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration and client tests start real servers and moto; two cores, so keep it modest.
    maxWorkers: 2,
  },
});
