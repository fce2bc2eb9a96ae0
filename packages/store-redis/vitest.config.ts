// Every test file runs once per ioredis major: test/support/redis.ts loads the client of the project's major
// (5: the `ioredis` package, 6: the `ioredis6` alias). The two majors' projects run side by side, each against one
// redis-server and one 3-master Redis Cluster that test/global-setup.ts starts for it (provided as `redisUrl` and
// `redisClusterNodes`) and stops afterwards. The fault tests start their own servers and measure latencies in
// milliseconds, so they run last, the two majors side by side, with nothing else of this package beside them.

import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config'

const FAULTS = 'test/faults.test.ts'

function project(major: 5 | 6, faults: boolean): TestProjectInlineConfiguration {
  return {
    test: {
      name: faults ? `ioredis${major} faults` : `ioredis${major}`,
      include: faults ? [FAULTS] : ['test/**/*.test.ts'],
      exclude: faults ? [] : [FAULTS],
      env: { TIERED_IOREDIS_MAJOR: String(major) },
      globalSetup: faults ? [] : ['./test/global-setup.ts'],
      sequence: { groupOrder: faults ? 1 : 0 },
      // A cluster takes a few seconds to form, more on a busy 2-core CI machine running packages side by side.
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  }
}

export default defineConfig({
  test: {
    // The files mostly wait on Redis, not on the CPU.
    maxWorkers: 3,
    isolate: false,
    projects: [project(5, false), project(6, false), project(5, true), project(6, true)],
  },
})
