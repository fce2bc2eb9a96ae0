// @tiered/otel is injected into this package (a copy, not a link), so that its peer @opentelemetry/api is this
// package's 1.9 rather than the 1.10 that @tiered/otel's own tests use. pnpm makes the copy at install time, before
// the build: bring its dist up to date with the one just built.

import { cpSync, existsSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export default function setup(): void {
  const built = fileURLToPath(new URL('../../../packages/otel/dist', import.meta.url))
  if (!existsSync(built)) throw new Error('packages/otel is not built: run `pnpm build` first')
  const injected = dirname(createRequire(import.meta.url).resolve('@tiered/otel/package.json'))
  if (join(injected, 'dist') === built) return
  rmSync(join(injected, 'dist'), { recursive: true, force: true })
  cpSync(built, join(injected, 'dist'), { recursive: true })
}
