import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The nested runs in conformance-verdicts.test.ts start vitest twice; a busy 2-core machine gets room.
    testTimeout: 15_000,
    hookTimeout: 90_000,
  },
})
