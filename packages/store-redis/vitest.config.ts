// Tests run against real servers that test/global-setup.ts starts and stops.

import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One redis-server and one 3-master Redis Cluster for the whole run, provided as `redisUrl` and
    // `redisClusterNodes`; both are stopped in teardown.
    globalSetup: ['./test/global-setup.ts'],
    // A cluster takes a few seconds to form, more on a busy 2-core CI machine running packages side by side.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
