#!/usr/bin/env node
// `pnpm test`: the preflight (a missing tool stops everything in its first seconds, with one line), then every
// check, each run even when an earlier one failed, so that one run reports every problem; a summary line ends it.
// The last check is the release rehearsal (`pnpm release:rehearse`): the packages published to a local registry,
// installed by a fresh app and the example store, and a core minor released after them.

import { spawnSync } from 'node:child_process'
import { delimiter, join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
// The workspace's own biome, sherif, knip and turbo, also when this runs outside `pnpm test`.
const env = {
  ...process.env,
  PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`,
}
const run = (command, args) => spawnSync(command, args, { cwd: root, stdio: 'inherit', env }).status ?? 1

const started = performance.now()
if (run(process.execPath, ['scripts/preflight.mjs']) !== 0) process.exit(1)

const steps = [
  ['biome', ['check', '.'], 'format and lint'],
  ['sherif', [], 'workspace consistency'],
  ['knip', [], 'unused files, dependencies and exports'],
  [
    'node',
    ['scripts/check-workflows.mjs'],
    'the GitHub workflows parse and call existing scripts',
    'workflows',
  ],
  ['turbo', ['run', 'build', 'typecheck', 'lint', 'test', '--concurrency=2', '--continue'], 'build and test'],
  ['tsx', ['scripts/release-rehearsal.ts'], 'release rehearsal on a local registry', 'release:rehearse'],
  // After turbo: it needs the builds, and its lanes use both cores.
  [process.execPath, ['scripts/test-runtimes.mjs'], 'Node 22, 24, 26, Bun 1 and Deno 2', 'test:runtimes'],
]
const results = steps.map(([command, args, what, name = command]) => {
  console.log(`\n> ${command} ${args.join(' ')}   (${what})`)
  const stepStarted = performance.now()
  const ok = run(command, args) === 0
  return { name, ok, took: (performance.now() - stepStarted) / 1000 }
})
const seconds = ((performance.now() - started) / 1000).toFixed(0)
const summary = results
  .map(({ name, ok, took }) => `${name} ${ok ? 'ok' : 'FAILED'} ${took.toFixed(0)} s`)
  .join(', ')
console.log(`\npnpm test: ${summary} (${seconds} s)`)
if (results.some(({ ok }) => !ok)) process.exit(1)
