// Each major's e2e file builds its app once, starts two `next start` processes over one redis-server, and runs its
// cases in order against them. The two files run one after the other: each build wants both cores.

import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 240_000,
  },
})
