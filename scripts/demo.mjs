#!/usr/bin/env node
// `pnpm demo`: the preflight (a missing Redis is one warning), a quiet build of the packages (its log is shown only
// when it fails), then the README's example as a live story (examples/demo.ts).

import { spawnSync } from 'node:child_process'
import { delimiter, join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const env = {
  ...process.env,
  PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`,
  TURBO_TELEMETRY_DISABLED: '1',
}

const preflight = spawnSync(process.execPath, ['scripts/preflight.mjs', '--optional'], {
  cwd: root,
  stdio: 'inherit',
})
if (preflight.status !== 0) process.exit(preflight.status ?? 1)

process.stdout.write('building the packages... ')
const build = spawnSync('turbo', ['run', 'build', '--filter=./packages/*', '--output-logs=errors-only'], {
  cwd: root,
  env,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
})
if (build.status !== 0) {
  console.log('failed:')
  console.error(`${build.stdout ?? ''}${build.stderr ?? ''}${build.error?.message ?? ''}`)
  process.exit(build.status ?? 1)
}
console.log('done\n')

const demo = spawnSync('pnpm', ['--silent', '--filter', '@tiered/examples', 'run', 'demo'], {
  cwd: root,
  env,
  stdio: 'inherit',
})
process.exit(demo.status ?? 1)
