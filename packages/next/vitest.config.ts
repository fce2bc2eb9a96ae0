// The contract tests drive each Next major's own IncrementalCache (`next15`, `next16` aliases) over one real
// redis-server that test/global-setup.ts starts and stops.

import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
