import { defineConfig } from 'vitest/config'

// Property tests run thousands of cases; CI shares two cores between packages.
export default defineConfig({ test: { testTimeout: 60_000 } })
