#!/usr/bin/env node
// `pnpm test:runtimes`: the runtime matrix, after `pnpm test` has built and tested everything on the Node running it
// (20, CI's). Every lane at once: they are mostly waiting on Redis, child processes and timers (a Node lane keeps a
// third of one core busy), so side by side they take about as long as the longest.
//
//   Node 22, 24, 26: every workspace package's vitest, run by that Node
//     (`<node> node_modules/vitest/vitest.mjs run`, so vitest's workers and the fleet tests' child processes are that
//     Node too). store-redis runs one of its four clients on each, without its fault tests (all four clients and
//     their fault tests run on Node 20): see STORE_REDIS_PROJECT. tests/integration on Node 26 only: see
//     INTEGRATION_LANES.
//   Bun 1 and Deno 2, side by side: the packed packages (`pnpm pack`, installed with npm into a scratch project, as a
//     user gets them) run scripts/runtime-smoke/smoke.mjs: the conformance suite on every store and a fleet smoke (bus,
//     lock, tags) on ioredis and node-redis, against a redis-server and a 3-master Cluster started here.
//
// The runtimes come from npm, cached outside the repo (scripts/runtimes.mjs). TIERED_MATRIX=node22,bun1 (any of
// node22, node24, node26, bun1, deno2) runs only those; TIERED_MATRIX=none runs nothing (a CI workflow that runs
// the matrix as a step of its own sets it for `pnpm test`). Exits non-zero when anything failed; a summary line ends it.

import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureRuntimes } from './runtimes.mjs'

const root = new URL('..', import.meta.url).pathname
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs')

/**
 * store-redis's vitest project per Node after 20 (which runs all four clients): one client each, the three besides
 * ioredis 5 (which tests/integration runs on every Node), to keep the matrix within CI's time. The project leaves
 * out the fault tests: they time a client's reconnects against a killed or hung redis-server in milliseconds, which
 * says nothing about the runtime and is the most sensitive to a busy 2-core machine.
 */
const STORE_REDIS_PROJECT = {
  node22: 'node-redis5',
  node24: 'ioredis6',
  node26: 'node-redis6',
}
const NODE_LANES = ['node22', 'node24', 'node26']
const PACKED_LANES = ['bun1', 'deno2']

// biome-ignore lint/suspicious/noUndeclaredEnvVars: not a turbo task; scripts/test.mjs runs it after turbo.
const only = process.env.TIERED_MATRIX?.split(',').map((name) => name.trim())
const wanted = (lane) => only === undefined || only.includes(lane)

/**
 * Runs a command with its output prefixed by `label` (or, `quiet`, shown only if it fails); resolves to its exit
 * code and how long it took.
 */
function runPrefixed(label, command, args, { quiet = false, ...options } = {}) {
  const started = performance.now()
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    const held = []
    const prefix = (stream, out) => {
      let pending = ''
      const write = (line) => (quiet ? held.push(line) : out.write(`[${label}] ${line}\n`))
      stream.on('data', (chunk) => {
        pending += chunk
        const lines = pending.split('\n')
        pending = lines.pop() ?? ''
        for (const line of lines) write(line)
      })
      stream.on('end', () => pending && write(pending))
    }
    prefix(child.stdout, process.stdout)
    prefix(child.stderr, process.stderr)
    child.on('error', (error) => {
      process.stderr.write(`[${label}] ${error.message}\n`)
      resolve({ code: 1, seconds: (performance.now() - started) / 1000 })
    })
    child.on('close', (code) => {
      if (code !== 0) for (const line of held) process.stderr.write(`[${label}] ${line}\n`)
      resolve({ code: code ?? 1, seconds: (performance.now() - started) / 1000 })
    })
  })
}

/**
 * Test folders that run on Node 20 only: the Next.js end-to-end tests (two `next build`s and fleets of `next start`,
 * minutes each, testing Next's runtime more than ours).
 */
const NODE_20_ONLY = new Set([join('tests', 'next-e2e')])

/**
 * tests/integration (fleets of real processes) runs on Node 20 (turbo) and on Node 26, the active LTS; Node 22 and
 * 24, in maintenance, run every package's tests without it, to keep CI within its time. On Node 26 it leaves out
 * fleet-faults.test.ts, as store-redis leaves out its fault tests: they time a fleet's calls against a SIGSTOPped or
 * SIGKILLed redis-server in milliseconds (half its minute), which says nothing about the runtime and is the most
 * sensitive to the lanes sharing two cores. Node 20 runs them.
 */
const INTEGRATION_LANES = new Set(['node26'])
const INTEGRATION_EXCLUDED = ['test/fleet-faults.test.ts']

/** Workspace folders whose `test` script is vitest. */
function vitestPackages() {
  const folders = [
    ...readdirSync(join(root, 'packages')).map((name) => join('packages', name)),
    ...readdirSync(join(root, 'tests'))
      .map((name) => join('tests', name))
      .filter((folder) => !NODE_20_ONLY.has(folder)),
  ]
  return folders.filter((folder) => {
    try {
      const manifest = JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8'))
      return /\bvitest run\b/.test(manifest.scripts?.test ?? '')
    } catch {
      return false
    }
  })
}

/** Every package's vitest on one Node; resolves to the failed packages. */
async function nodeLane(lane, runtime) {
  const failed = []
  for (const folder of vitestPackages()) {
    const label = `${lane} ${folder}`
    const integration = folder === join('tests', 'integration')
    if (integration && !INTEGRATION_LANES.has(lane)) continue
    const args = [vitest, 'run', '--reporter=dot']
    if (folder === join('packages', 'store-redis')) args.push('--project', STORE_REDIS_PROJECT[lane])
    if (integration) for (const glob of INTEGRATION_EXCLUDED) args.push('--exclude', glob)
    const { code, seconds } = await runPrefixed(label, runtime.binary, args, { cwd: join(root, folder) })
    console.log(`[${label}] ${code === 0 ? 'ok' : 'FAILED'} in ${seconds.toFixed(0)} s`)
    if (code !== 0) failed.push(label)
  }
  return failed
}

/** The published packages as tarballs, installed with npm into a scratch project beside the smoke test. */
async function packedProject() {
  const scratch = mkdtempSync(join(tmpdir(), 'tiered-runtimes-'))
  const tarballs = join(scratch, 'tarballs')
  const dependencies = {}
  for (const name of readdirSync(join(root, 'packages'))) {
    const folder = join(root, 'packages', name)
    const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'))
    if (manifest.private) continue
    if (!existsSync(join(folder, 'dist')))
      throw new Error(`packages/${name} is not built: run \`pnpm build\` first`)
    const { code } = await runPrefixed('pack', 'pnpm', ['pack', '--pack-destination', tarballs], {
      cwd: folder,
      quiet: true,
    })
    if (code !== 0) throw new Error(`pnpm pack failed in packages/${name}`)
    const file = `${manifest.name.slice(1).replace('/', '-')}-${manifest.version}.tgz`
    if (!existsSync(join(tarballs, file))) throw new Error(`pnpm pack wrote no ${file}`)
    dependencies[manifest.name] = `file:./tarballs/${file}`
  }
  // The clients and Keyv at the versions the workspace tests with.
  const catalog = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')
  for (const name of ['ioredis', 'redis', 'keyv']) {
    const version = catalog.match(new RegExp(`^\\s+"?${name}"?:\\s*(\\S+)`, 'm'))?.[1]
    if (version === undefined) throw new Error(`no catalog version for ${name}`)
    dependencies[name] = version
  }
  writeFileSync(
    join(scratch, 'package.json'),
    `${JSON.stringify({ name: 'tiered-runtime-smoke', private: true, type: 'module', dependencies }, null, 2)}\n`,
  )
  for (const file of ['smoke.mjs', 'harness.mjs'])
    cpSync(join(root, 'scripts', 'runtime-smoke', file), join(scratch, file))
  const { code } = await runPrefixed(
    'npm install',
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline'],
    { cwd: scratch, quiet: true },
  )
  if (code !== 0) throw new Error('npm install of the packed packages failed')
  return scratch
}

/** Bun and Deno side by side on the packed packages; resolves to the failed lanes. */
async function packedLanes(runtimes, lanes) {
  // @tiered/testing ships its TypeScript source (it is never published): tsx loads it.
  const { tsImport } = await import('tsx/esm/api')
  const { startRedisCluster, startRedisServer } = await tsImport(
    join(root, 'packages', 'testing', 'src', 'index.ts'),
    import.meta.url,
  )
  const scratch = await packedProject()
  const [server, cluster] = await Promise.all([startRedisServer(), startRedisCluster()])
  try {
    const env = {
      ...process.env,
      REDIS_URL: server.url,
      REDIS_CLUSTER_NODES: JSON.stringify(cluster.nodes),
    }
    const args = { bun1: ['smoke.mjs'], deno2: ['run', '--allow-all', 'smoke.mjs'] }
    const results = await Promise.all(
      lanes.map(async (lane) => {
        const { code, seconds } = await runPrefixed(lane, runtimes[lane].binary, args[lane], {
          cwd: scratch,
          env,
        })
        console.log(`[${lane}] ${code === 0 ? 'ok' : 'FAILED'} in ${seconds.toFixed(0)} s`)
        return code === 0 ? undefined : `${lane} packed packages`
      }),
    )
    return results.filter((failure) => failure !== undefined)
  } finally {
    await Promise.all([server.stop(), cluster.stop()])
    rmSync(scratch, { recursive: true, force: true })
  }
}

const started = performance.now()
const runtimes = ensureRuntimes()
for (const { name, version } of Object.values(runtimes))
  if (wanted(name)) console.log(`matrix: ${name} is ${version}`)

const nodeLanes = NODE_LANES.filter(wanted)
const packed = PACKED_LANES.filter(wanted)
const [nodeFailures, packedFailures] = await Promise.all([
  Promise.all(nodeLanes.map((lane) => nodeLane(lane, runtimes[lane]))).then((failed) => failed.flat()),
  packed.length === 0
    ? []
    : packedLanes(runtimes, packed).catch((error) => {
        console.error(`[packed] ${error.stack ?? error}`)
        return ['packed packages (setup)']
      }),
])
const failures = [...nodeFailures, ...packedFailures]
const seconds = ((performance.now() - started) / 1000).toFixed(0)
console.log(
  `\ntest:runtimes: ${[...nodeLanes, ...packed].join(', ') || 'no lanes'}: ${failures.length === 0 ? 'ok' : `FAILED: ${failures.join('; ')}`} (${seconds} s)`,
)
process.exit(failures.length === 0 ? 0 : 1)
