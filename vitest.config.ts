import { defineConfig } from 'vitest/config';

/**
 * Tests that start real processes, moto, SDK clients or the built binary: minutes on two
 * cores. `npm test` (and CI) runs them with everything else; `npm run test:quick` leaves them
 * out for the edit-test loop (unit and in-process server tests, well under a minute).
 */
const SLOW = [
  'test/integration/**/*.test.ts',
  'test/clients/**/*.test.ts',
  'test/packaging/**/*.test.ts',
  'test/tooling/**/*.test.ts',
  'test/hardening/**/*.test.ts',
  // These spawn dist/main.js.
  'test/cli/serve.test.ts',
  'test/cli/usage.test.ts',
  'test/cli/validateOnly.test.ts',
  // These start moto_server.
  'test/dynamic/dynamicServices.test.ts',
  'test/observability/secrets.test.ts',
];

export default defineConfig({
  test: {
    environment: 'node',
    // AWS SDK clients built inside the test workers would print the SDK's 8-line Node version
    // warning each time on Node 20; the binary silences it itself (src/main.ts), so children
    // spawned from dist/main.js show exactly what users see.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration and client tests start real servers and moto; two cores, so keep it modest.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'quick', include: ['test/**/*.test.ts'], exclude: SLOW } },
      { extends: true, test: { name: 'slow', include: SLOW } },
    ],
  },
});
