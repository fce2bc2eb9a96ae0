import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  // The shared test helpers (@tiered/testing) import core: here they get this package's source, not its build.
  resolve: { alias: { '@tiered/core': fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: { testTimeout: 10_000 },
})
