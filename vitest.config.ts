import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // AWS SDK clients built inside the test workers would print the SDK's 8-line Node version
    // warning each time on Node 20; the binary silences it itself (src/main.ts), so children
    // spawned from dist/main.js show exactly what users see.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration and client tests start real servers and moto; two cores, so keep it modest.
    maxWorkers: 2,
  },
});
