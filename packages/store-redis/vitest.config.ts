// Every test file runs once per Redis client: ioredis 5 (`ioredis`) and 6 (`ioredis6`), node-redis 5 (`redis`) and 6
// (`redis6`); test/support/redis.ts loads the client of the project's library and major. The projects run side by
// side, each against one redis-server and one 3-master Redis Cluster that test/global-setup.ts starts for it
// (provided as `redisUrl` and `redisClusterNodes`) and stops afterwards. The fault tests start their own servers and
// measure latencies in milliseconds, so they run last, one client at a time, with nothing else of this package
// beside them (side by side, each one's CPU delays the other's reconnect-to-write figures on a 2-core machine).
// `--project node-redis6` runs one client without its fault tests, as the runtime matrix does on each Node after 20
// (scripts/test-runtimes.mjs).

import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config'

const FAULTS = 'test/faults.test.ts'
const CLIENTS = [
  { library: 'ioredis', major: 5 },
  { library: 'ioredis', major: 6 },
  { library: 'node-redis', major: 5 },
  { library: 'node-redis', major: 6 },
] as const
type Client = (typeof CLIENTS)[number]

function project({ library, major }: Client, faults: boolean, order: number): TestProjectInlineConfiguration {
  const name = `${library}${major}`
  return {
    test: {
      name: faults ? `${name} faults` : name,
      include: faults ? [FAULTS] : ['test/**/*.test.ts'],
      exclude: faults ? [] : [FAULTS],
      env: { TIERED_REDIS_CLIENT: library, TIERED_REDIS_MAJOR: String(major) },
      globalSetup: faults ? [] : ['./test/global-setup.ts'],
      // Fault tests: one client after another, after everything else.
      sequence: { groupOrder: faults ? 1 + order : 0 },
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
    projects: [
      ...CLIENTS.map((client) => project(client, false, 0)),
      ...CLIENTS.map((client, order) => project(client, true, order)),
    ],
  },
})
