// The benchmark run behind `pnpm bench`: starts its own redis-server on a free loopback port, measures every
// (workload, system) pair in a fresh process, and writes bench/results.json and bench/RESULTS.md.

import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { type RedisServerHandle, startRedisServer } from '@tiered/testing'
import { Redis } from 'ioredis'
import { type FleetResults, runFleetBench } from './fleet/bench.js'
import { formatFigure } from './format.js'
import { renderMarkdown } from './markdown.js'
import { deletePrefix, sampleKeys } from './redis-keys.js'
import {
  addRatios,
  type BenchResults,
  checkTargets,
  type SystemResult,
  toSystemResult,
  type WorkloadResult,
} from './results.js'
import {
  HEAP_ROUNDS,
  ONLY_SYSTEMS,
  ONLY_WORKLOADS,
  ROUND_MS,
  ROUNDS,
  TTL_MS,
  TURN_TIMEOUT_MS,
  WARMUP_ROUNDS,
} from './settings.js'
import { loadSystems } from './systems/registry.js'
import type { BenchSystem, Layers } from './systems/types.js'
import { killAll, measureInTurns } from './turns.js'
import { installedVersions } from './versions.js'
import { WORKLOADS } from './workloads/registry.js'
import type { Workload } from './workloads/types.js'

const RESULTS_JSON = new URL('../results.json', import.meta.url)
const RESULTS_MD = new URL('../RESULTS.md', import.meta.url)

/** Rounds further apart than this (max / min) get a note: the figure is shakier than its neighbours. */
const NOISY_SPREAD = 1.5

/** Why `system` cannot run `workload`, or undefined when it can. */
function exclusion(workload: Workload, system: BenchSystem): string | undefined {
  if (!system.layers.includes(workload.layers)) return `has no ${workload.layers} setup`
  if (workload.needsStaleWhileRevalidate === true && !system.staleWhileRevalidate) {
    return 'has no stale-while-revalidate'
  }
  if (system.role === 'floor' && workload.withFloors === false) return 'is left out: a floor has no dedupe'
  return undefined
}

function takesPart(workload: Workload, system: BenchSystem): boolean {
  if (ONLY_SYSTEMS !== undefined && !ONLY_SYSTEMS.includes(system.id)) return false
  return exclusion(workload, system) === undefined
}

async function main(): Promise<number> {
  const started = performance.now()
  const loadAverageAtStart = os.loadavg()
  let server: RedisServerHandle | undefined
  let admin: Redis | undefined
  const shutdown = async () => {
    admin?.disconnect()
    await server?.stop()
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll()
      void shutdown().finally(() => process.exit(130))
    })
  }
  try {
    const SYSTEMS = await loadSystems()
    server = await startRedisServer()
    admin = new Redis({ host: server.host, port: server.port })
    const redisVersion = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? 'unknown'
    const redis = { host: server.host, port: server.port, url: server.url }
    console.log(`redis-server ${redisVersion} on ${server.url}`)

    const workloads = WORKLOADS.filter((w) => ONLY_WORKLOADS === undefined || ONLY_WORKLOADS.includes(w.id))
    const total = workloads.reduce((sum, w) => sum + SYSTEMS.filter((s) => takesPart(w, s)).length, 0)
    let done = 0
    let errors = 0
    const workloadResults: WorkloadResult[] = []
    for (const workload of workloads) {
      console.log(`\n${workload.title}: ${workload.description}`)
      const results: SystemResult[] = []
      const systems = SYSTEMS.filter((s) => takesPart(workload, s))
      const prefixOf = (system: BenchSystem) => `bench:${system.id}:${workload.id}:`
      const measured = await measureInTurns(
        workload.id,
        systems.map((system) => ({ systemId: system.id, prefix: prefixOf(system) })),
        redis,
        TURN_TIMEOUT_MS,
      )
      for (const [index, system] of systems.entries()) {
        done++
        const prefix = prefixOf(system)
        const { outcome, seconds } = measured[index] as (typeof measured)[number]
        const redisKeys = await deletePrefix(admin, prefix)
        const result = toSystemResult(
          {
            system: system.id,
            label: system.label(workload.layers),
            role: system.role,
            seconds,
          },
          outcome,
        )
        if (workload.layers !== 'memory') {
          result.redisKeys = redisKeys
          if (redisKeys === 0 && result.error === undefined)
            result.notes.push('left no key in Redis: was the L2 used?')
        }
        if (result.rounds.length > 1) {
          const spread = Math.max(...result.rounds) / Math.min(...result.rounds)
          if (spread > NOISY_SPREAD) result.notes.push(`rounds vary ${spread.toFixed(1)}×: a busy machine?`)
        }
        if (result.error !== undefined) errors++
        results.push(result)
        const figure =
          result.error !== undefined
            ? `ERROR ${result.error.split('\n')[0]}`
            : `${formatFigure(result.value, workload.unit)}${workload.unit === 'ops/s' ? ' ops/s' : ' per entry'}` +
              (result.loads !== undefined ? `, ${result.loads} loads` : '') +
              (result.notes.length > 0 ? ` [${result.notes.join('; ')}]` : '')
        console.log(
          `  [${String(done).padStart(2)}/${total}] ${result.label.padEnd(44)} ${figure} (${result.seconds.toFixed(1)} s)`,
        )
      }
      const workloadResult: WorkloadResult = {
        id: workload.id,
        title: workload.title,
        description: workload.description,
        unit: workload.unit,
        better: workload.unit === 'bytes/entry' ? 'lower' : 'higher',
        layers: workload.layers,
        bestPeer: null,
        floor: null,
        results,
        excluded: SYSTEMS.flatMap((system) => {
          const reason = exclusion(workload, system)
          return reason === undefined
            ? []
            : [
                {
                  system: system.id,
                  reason: `${system.label(system.layers.includes(workload.layers) ? workload.layers : (system.layers[0] as Layers))} ${reason}`,
                },
              ]
        }),
      }
      if (workload.idealLoads !== undefined) workloadResult.idealLoads = workload.idealLoads
      addRatios(workloadResult)
      workloadResults.push(workloadResult)
    }

    // The fleet workloads (tiered with its bus and lock against bentocache with its bus), in processes of their own.
    let fleet: FleetResults | undefined
    if (ONLY_WORKLOADS === undefined || ONLY_WORKLOADS.includes('fleet')) {
      console.log('\nFleet: 4 processes over one Redis with a bus (tiered also with its lock)')
      fleet = await runFleetBench({ host: server.host, port: server.port }, admin, console.log)
    }

    const leftover = await sampleKeys(admin, 10)
    if (leftover.count > 0) {
      console.warn(
        `\n${leftover.count} keys outside every bench prefix were left in Redis, e.g. ${leftover.sample.join(', ')}`,
      )
    }
    const cpus = os.cpus()
    const results: BenchResults = {
      generatedAt: new Date().toISOString(),
      durationSeconds: (performance.now() - started) / 1_000,
      machine: {
        node: process.versions.node,
        v8: process.versions.v8,
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        cpu: cpus[0]?.model.trim() ?? 'unknown',
        cores: cpus.length,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        loadAverageAtStart,
        loadAverageAtEnd: os.loadavg(),
      },
      redis: { version: redisVersion },
      method: {
        warmupRounds: WARMUP_ROUNDS,
        rounds: ROUNDS,
        roundMs: ROUND_MS,
        heapRounds: HEAP_ROUNDS,
        ttlMs: TTL_MS,
        isolation:
          'Every (workload, system) pair runs in a Node process of its own (--expose-gc, a full GC before each round); the systems of a workload take their rounds in turn.',
      },
      versions: installedVersions(),
      workloads: workloadResults,
      targets: checkTargets(workloadResults),
      ...(fleet === undefined ? {} : { fleet }),
    }
    if (ONLY_WORKLOADS === undefined && ONLY_SYSTEMS === undefined) {
      writeFileSync(RESULTS_JSON, `${JSON.stringify(results, null, 2)}\n`)
      writeFileSync(RESULTS_MD, renderMarkdown(results))
      console.log('\nwrote bench/results.json and bench/RESULTS.md')
    } else {
      console.log(
        '\nBENCH_WORKLOADS / BENCH_SYSTEMS set: a partial run, so results.json and RESULTS.md are left alone',
      )
    }
    console.log('\nTargets:')
    for (const target of results.targets) {
      const verdict = target.verdict === 'fails' ? 'FAILS' : target.verdict
      console.log(`  ${verdict.padEnd(12)} ${target.text}: ${target.detail}`)
    }
    for (const target of fleet?.targets ?? []) {
      const verdict = target.holds === null ? 'not measured' : target.holds ? 'holds' : 'FAILS'
      console.log(`  ${verdict.padEnd(12)} ${target.text}: ${target.measured}`)
    }
    console.log(`\ndone in ${Math.round(results.durationSeconds)} s`)
    if (errors > 0) console.error(`${errors} measurement(s) failed; see the ERROR rows`)
    return errors > 0 ? 1 : 0
  } finally {
    await shutdown()
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
