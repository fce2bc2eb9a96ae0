import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One redis-server for the run, provided as `redisUrl`.
    globalSetup: ['./test/global-setup.ts'],
    // A busy 2-core CI machine runs packages in parallel: give Redis round trips room.
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
})
