import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  // The helpers import core (assertStorable): its source, so that this package's tests need no build of core first.
  resolve: {
    alias: { '@tiered/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // One redis-server for the run, provided as `redisUrl`: the same wiring other packages use.
    globalSetup: ['./test/global-setup.ts'],
    // Starting a cluster takes a few seconds; a slow machine gets room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
