// Tests run against real servers that test/global-setup.ts starts and stops, once per ioredis major: every test
// file runs in the project "ioredis5" (the `ioredis` package) and in "ioredis6" (the `ioredis6` alias), and
// test/support/redis.ts loads the client of the project's major.

import { defineConfig } from 'vitest/config'

const majors = ['5', '6'] as const

export default defineConfig({
  test: {
    // Each project runs one redis-server and one 3-master Redis Cluster for its files, provided as `redisUrl`
    // and `redisClusterNodes`; both are stopped in teardown.
    globalSetup: ['./test/global-setup.ts'],
    // A cluster takes a few seconds to form, more on a busy 2-core CI machine running packages side by side.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The files mostly wait on Redis, not the CPU: two per major at once keeps the run short on two cores.
    maxWorkers: 4,
    projects: majors.map((major) => ({
      extends: true,
      test: {
        name: `ioredis${major}`,
        include: ['test/**/*.test.ts'],
        env: { TIERED_IOREDIS_MAJOR: major },
      },
    })),
  },
})
