// One tsup setup for every package: ESM + CJS + .d.ts from src/index.ts.
import type { Options } from 'tsup'

export function packageBuild(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    treeshake: true,
    ...overrides,
  }
}
