#!/usr/bin/env node
// Runs before `pnpm test` and `pnpm demo`: checks what the tests need outside node_modules (Node 20+, an
// installed workspace, redis-server and redis-cli) and installs Redis with apt-get when it can (root, apt).
// Anything it cannot fix stops the command in its first seconds with one line that says what to install.
//
//   node scripts/preflight.mjs            # for `pnpm test`: a missing Redis stops the run
//   node scripts/preflight.mjs --optional # for `pnpm demo`: a missing Redis is one warning (the demo falls back)

import { spawnSync } from 'node:child_process'
import { accessSync, constants, existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'

const optional = process.argv.includes('--optional')
const root = new URL('..', import.meta.url).pathname
const INSTALL_HINT =
  'install Redis (Debian/Ubuntu: `sudo apt-get install redis-server redis-tools`, macOS: `brew install redis`) ' +
  'or set REDIS_SERVER and REDIS_CLI to their paths'

function stop(line) {
  console.error(`preflight: ${line}`)
  process.exit(1)
}

/** The path of `name` on PATH (or the env override), or undefined. */
function find(name, override) {
  const candidates = override
    ? [override]
    : (process.env.PATH ?? '').split(delimiter).map((d) => join(d, name))
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {
      // not here
    }
  }
  return undefined
}

const missingRedis = () =>
  [
    ['redis-server', process.env.REDIS_SERVER],
    ['redis-cli', process.env.REDIS_CLI],
  ]
    .filter(([name, override]) => find(name, override) === undefined)
    .map(([name]) => name)

/** apt-get with a quiet output; returns the tail of its output when it fails. */
function aptGet(args) {
  const run = spawnSync('apt-get', ['-q', '-y', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 300_000,
  })
  if (run.status === 0) return undefined
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error?.message ?? ''}`.trim().split('\n')
  return output.at(-1) || `exit ${run.status}`
}

const [major] = process.versions.node.split('.').map(Number)
if (major < 20) stop(`Node ${process.versions.node} is too old: install Node 20 or newer`)

if (!existsSync(join(root, 'node_modules', '.pnpm'))) {
  stop('dependencies are not installed: run `pnpm install` first')
}

let missing = missingRedis()
if (missing.length > 0) {
  const canApt = process.getuid?.() === 0 && find('apt-get') !== undefined
  if (canApt) {
    console.error(
      `preflight: ${missing.join(' and ')} not found: installing redis-server redis-tools with apt-get`,
    )
    const packages = ['install', '--no-install-recommends', 'redis-server', 'redis-tools']
    // The package lists may be empty on a fresh image: update once, then install.
    let failure = aptGet(packages)
    if (failure !== undefined) failure = aptGet(['update']) ?? aptGet(packages)
    missing = missingRedis()
    if (missing.length > 0) {
      const why = failure === undefined ? '' : ` (apt-get: ${failure})`
      const line = `${missing.join(' and ')} still missing after apt-get${why}: ${INSTALL_HINT}`
      if (!optional) stop(line)
      console.error(`preflight: ${line}; the demo uses Keyv in memory instead`)
    }
  } else {
    const line = `${missing.join(' and ')} not found: ${INSTALL_HINT}`
    if (!optional) stop(line)
    console.error(`preflight: ${line}; the demo uses Keyv in memory instead`)
  }
}
