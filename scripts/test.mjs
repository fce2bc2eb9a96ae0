#!/usr/bin/env node
// `pnpm test`: the preflight (a missing tool stops everything in its first seconds, with one line), then every
// check, each run even when an earlier one failed, so that one run reports every problem; a summary line ends it.
// The last two checks run side by side after turbo: the release rehearsal (`pnpm release:rehearse`: the packages
// published to a local registry, installed by a fresh app and the example store, and a core minor released after
// them) and the runtime matrix (`pnpm test:runtimes`: Node 22, 24, 26, Bun and Deno).

import { spawn, spawnSync } from 'node:child_process'
import { delimiter, join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
// The workspace's own biome, sherif, knip and turbo, also when this runs outside `pnpm test`.
const env = {
  ...process.env,
  PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`,
}
const run = (command, args) => spawnSync(command, args, { cwd: root, stdio: 'inherit', env }).status ?? 1

/** Runs a command; resolves to its status. */
const runAsync = (command, args) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: 'inherit' })
    child.on('error', () => resolve(1))
    child.on('close', (code) => resolve(code ?? 1))
  })

/** Runs a command with its output held, printed whole when it ends; resolves to its status. */
const runHeld = (command, args) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const held = []
    child.stdout.on('data', (chunk) => held.push(chunk))
    child.stderr.on('data', (chunk) => held.push(chunk))
    child.on('error', (error) => held.push(Buffer.from(`${error.message}\n`)))
    child.on('close', (code) => {
      process.stdout.write(`\n> ${command} ${args.join(' ')}   (its output, held while it ran)\n`)
      process.stdout.write(Buffer.concat(held))
      resolve(code ?? 1)
    })
  })

const timed = async (name, step) => {
  const stepStarted = performance.now()
  const ok = (await step()) === 0
  return { name, ok, took: (performance.now() - stepStarted) / 1000 }
}

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
]
const results = []
for (const [command, args, what, name = command] of steps) {
  console.log(`\n> ${command} ${args.join(' ')}   (${what})`)
  results.push(await timed(name, () => run(command, args)))
}
// After turbo, whose builds they need, and side by side: the rehearsal waits on its registry and npm, the matrix's
// lanes on Redis and timers, so together they take little longer than the matrix alone. The rehearsal's output is
// held and printed when it ends; the matrix prefixes each line with its lane.
console.log('\n> release rehearsal (release:rehearse) and runtime matrix (test:runtimes), side by side')
results.push(
  ...(await Promise.all([
    timed('release:rehearse', () => runHeld('tsx', ['scripts/release-rehearsal.ts'])),
    timed('test:runtimes', () => runAsync(process.execPath, ['scripts/test-runtimes.mjs'])),
  ])),
)
const seconds = ((performance.now() - started) / 1000).toFixed(0)
const summary = results
  .map(({ name, ok, took }) => `${name} ${ok ? 'ok' : 'FAILED'} ${took.toFixed(0)} s`)
  .join(', ')
console.log(`\npnpm test: ${summary} (${seconds} s)`)
if (results.some(({ ok }) => !ok)) process.exit(1)
