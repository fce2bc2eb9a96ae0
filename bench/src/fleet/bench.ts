// The fleet workloads: tiered (memory over Redis with createRedisBus and createRedisLock) against bentocache with
// its Redis bus, each system in processes of its own over one redis-server. Each workload takes seconds:
// - stampede: 4 processes × 250 callers on one cold key; loader calls per round (ideal 1);
// - propagation: from A's set resolving to B no longer serving the old value, p50/p99 in ms;
// - steady: 4 processes reading 200 keys (fresh 1 s, ttl 60 s) for a few seconds; source calls per second;
// - hits: fresh memory hits of one cache with a bus against the same cache without one, interleaved rounds;
// - redisCost: Redis commands per loader call under steady load (4 processes, 1 000 keys, fresh 1 s), by command.

import { type ChildProcess, fork } from 'node:child_process'
import type { Redis } from 'ioredis'
import { endChild, nextMessage } from '../ipc.js'
import { median } from '../measure.js'
import { deletePrefix } from '../redis-keys.js'
import { TTL_MS } from '../settings.js'
import type { FleetWorkerCommand, FleetWorkerReport } from './protocol.js'
import { commandCounts, monitorCounts, perLoad, resetCounts } from './redis-cost.js'
import { FLEET_SYSTEMS, type FleetSetup, type FleetSystemId } from './systems.js'

const WORKER = new URL('./worker.ts', import.meta.url)
const ANSWER_TIMEOUT_MS = 30_000

const STAMPEDE = { processes: 4, callers: 250, loadMs: 20, warmupRounds: 1, rounds: 5 }
const PROPAGATION = { warmupSamples: 10, samples: 200 }
const STEADY = {
  processes: 4,
  keys: 200,
  callers: 8,
  loadMs: 5,
  freshMs: 1_000,
  ttlMs: 60_000,
  warmupMs: 1_500,
  measureMs: 4_000,
}
const HITS = { keys: 1_000, rounds: 40, roundMs: 50 }
const REDIS_COST = { ...STEADY, keys: 1_000 }

interface FleetRow {
  system: FleetSystemId
  /** How the system was set up, when not as its name says (tiered without bus and lock). */
  label?: string
  /** Figures by name; which ones depends on the workload. */
  figures: Record<string, number>
  notes: string[]
  error?: string
}

export interface FleetResults {
  stampede: FleetRow[]
  propagation: FleetRow[]
  steady: FleetRow[]
  hits: FleetRow[]
  redisCost: FleetRow[]
  targets: { text: string; measured: string; holds: boolean | null }[]
}

class Worker {
  readonly child: ChildProcess
  constructor() {
    this.child = fork(WORKER, [], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
  }

  send(command: FleetWorkerCommand): void {
    this.child.send(command)
  }

  async answer<T extends FleetWorkerReport['type']>(
    type: T,
    timeoutMs = ANSWER_TIMEOUT_MS,
  ): Promise<Extract<FleetWorkerReport, { type: T }>> {
    const message = await nextMessage(
      this.child,
      (m): m is FleetWorkerReport =>
        typeof m === 'object' &&
        m !== null &&
        ((m as FleetWorkerReport).type === type || (m as FleetWorkerReport).type === 'failed'),
      timeoutMs,
      `fleet worker ${this.child.pid}`,
    )
    if (message.type === 'failed') throw new Error(`fleet worker ${this.child.pid} failed: ${message.error}`)
    return message as Extract<FleetWorkerReport, { type: T }>
  }

  async stop(): Promise<void> {
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies FleetWorkerCommand)
    await endChild(this.child)
  }
}

async function withWorkers<T>(
  count: number,
  system: FleetSystemId,
  setup: FleetSetup,
  run: (workers: Worker[]) => Promise<T>,
): Promise<T> {
  const workers = Array.from({ length: count }, () => new Worker())
  try {
    const ready = workers.map((worker) => worker.answer('ready'))
    for (const worker of workers) worker.send({ type: 'setup', system, setup })
    await Promise.all(ready)
    return await run(workers)
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()))
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number
}

async function stampede(system: FleetSystemId, setup: FleetSetup): Promise<FleetRow> {
  return withWorkers(STAMPEDE.processes, system, setup, async (workers) => {
    const loads: number[] = []
    const ms: number[] = []
    let wrong = 0
    for (let round = 0; round < STAMPEDE.warmupRounds + STAMPEDE.rounds; round++) {
      const done = workers.map((worker) => worker.answer('stampede'))
      const startAt = Date.now() + 50
      for (const worker of workers) {
        worker.send({
          type: 'stampede',
          key: `stampede:${round}`,
          callers: STAMPEDE.callers,
          loadMs: STAMPEDE.loadMs,
          startAt,
          round,
        })
      }
      const reports = await Promise.all(done)
      if (round < STAMPEDE.warmupRounds) continue
      loads.push(reports.reduce((sum, r) => sum + r.loads, 0))
      ms.push(Math.max(...reports.map((r) => r.ms)))
      wrong += reports.reduce((sum, r) => sum + r.wrong, 0)
    }
    const notes = [`loads per round: ${loads.join(', ')}`]
    if (wrong > 0) notes.push(`${wrong} callers got a wrong value`)
    return { system, figures: { loads: median(loads), ms: median(ms) }, notes }
  })
}

async function propagation(system: FleetSystemId, setup: FleetSetup): Promise<FleetRow> {
  return withWorkers(2, system, setup, async ([a, b]) => {
    const writer = a as Worker
    const reader = b as Worker
    const delays: number[] = []
    let missed = 0
    for (let sample = 0; sample < PROPAGATION.warmupSamples + PROPAGATION.samples; sample++) {
      const key = `propagation:${sample}`
      const first = writer.answer('set')
      writer.send({ type: 'set', key, version: 1 })
      await first
      const watching = reader.answer('watching')
      const seen = reader.answer('seen')
      reader.send({ type: 'watch', key, version: 1, timeoutMs: 5_000 })
      await watching
      const set = writer.answer('set')
      writer.send({ type: 'set', key, version: 2 })
      const [{ at: setAt }, { at: seenAt }] = await Promise.all([set, seen])
      if (sample < PROPAGATION.warmupSamples) continue
      if (seenAt === null) missed++
      else delays.push(Math.max(0, seenAt - setAt))
    }
    delays.sort((x, y) => x - y)
    const notes = [`${delays.length} samples`]
    if (missed > 0) notes.push(`${missed} changes not seen within 5 s`)
    return {
      system,
      figures: {
        p50: percentile(delays, 50),
        p99: percentile(delays, 99),
        max: delays.at(-1) ?? Number.NaN,
        missed,
      },
      notes,
    }
  })
}

/** 4 processes of paced callers over `keys` keys; what the source and the callers saw, and what Redis ran. */
async function steadyLoad(
  system: FleetSystemId,
  setup: FleetSetup,
  settings: typeof STEADY,
  admin: Redis | undefined,
): Promise<{
  loads: number
  reads: number
  perProcess: number[]
  commands: Record<string, number>
  sent: Record<string, number>
}> {
  const fleetSetup = { ...setup, freshMs: settings.freshMs, ttlMs: settings.ttlMs }
  return withWorkers(settings.processes, system, fleetSetup, async (workers) => {
    const from = Date.now() + 100 + settings.warmupMs
    const until = from + settings.measureMs
    const done = workers.map((worker) =>
      worker.answer('steady', ANSWER_TIMEOUT_MS + settings.warmupMs + settings.measureMs),
    )
    for (const worker of workers) {
      worker.send({
        type: 'steady',
        keys: settings.keys,
        callers: settings.callers,
        loadMs: settings.loadMs,
        from,
        until,
      })
    }
    let commands: Record<string, number> = {}
    let sent: Record<string, number> = {}
    if (admin !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, from - Date.now()))
      const monitor = await monitorCounts(setup.redis.host, setup.redis.port)
      await resetCounts(admin)
      await new Promise((resolve) => setTimeout(resolve, until - Date.now()))
      commands = await commandCounts(admin)
      sent = await monitor.stop()
    }
    const reports = await Promise.all(done)
    return {
      loads: reports.reduce((sum, r) => sum + r.loads, 0),
      reads: reports.reduce((sum, r) => sum + r.reads, 0),
      perProcess: reports.map((r) => r.loads),
      commands,
      sent,
    }
  })
}

async function steady(system: FleetSystemId, setup: FleetSetup): Promise<FleetRow[]> {
  const { loads, reads, perProcess } = await steadyLoad(system, setup, STEADY, undefined)
  const seconds = STEADY.measureMs / 1_000
  return [
    {
      system,
      figures: { sourceCallsPerSecond: loads / seconds, readsPerSecond: reads / seconds },
      notes: [`loads per process: ${perProcess.join(', ')}`],
    },
  ]
}

/** Redis commands per loader call: tiered with bus and lock, tiered without them, bentocache with its bus. */
async function redisCost(system: FleetSystemId, setup: FleetSetup, admin: Redis): Promise<FleetRow[]> {
  const setups: [FleetSetup, string | undefined][] =
    system === 'tiered'
      ? [
          [setup, undefined],
          [{ ...setup, prefix: `${setup.prefix}solo:`, bus: false }, '**tiered** (no bus, no lock)'],
        ]
      : [[setup, undefined]]
  const rows: FleetRow[] = []
  for (const [each, label] of setups) {
    const { loads, commands, sent } = await steadyLoad(system, each, REDIS_COST, admin)
    const sum = (counts: Record<string, number>) =>
      Object.values(counts).reduce((total, calls) => total + calls, 0)
    rows.push({
      system,
      ...(label === undefined ? {} : { label }),
      figures: {
        commandsPerLoad: sum(commands) / loads,
        sentPerLoad: sum(sent) / loads,
        loadsPerSecond: loads / (REDIS_COST.measureMs / 1_000),
      },
      notes: [`run by Redis: ${perLoad(commands, loads)}`, `sent by clients: ${perLoad(sent, loads)}`],
    })
  }
  return rows
}

async function hits(system: FleetSystemId, setup: FleetSetup): Promise<FleetRow> {
  return withWorkers(1, system, setup, async ([worker]) => {
    const w = worker as Worker
    const done = w.answer('hits', ANSWER_TIMEOUT_MS + HITS.rounds * HITS.roundMs * 4)
    w.send({ type: 'hits', keys: HITS.keys, rounds: HITS.rounds, roundMs: HITS.roundMs })
    const report = await done
    // Each round with a bus is set against the round without it that ran next to it: a busy machine's drift then
    // falls on both sides of each ratio alike.
    const ratios = report.withBus.map((figure, i) => figure / (report.without[i] as number))
    return {
      system,
      figures: { withBus: median(report.withBus), without: median(report.without), ratio: median(ratios) },
      notes: [
        `${HITS.rounds} pairs of interleaved rounds of ${HITS.roundMs} ms; ratio: the median of the pairs' ratios`,
      ],
    }
  })
}

type Workload = (system: FleetSystemId, setup: FleetSetup, admin: Redis) => Promise<FleetRow | FleetRow[]>
const WORKLOADS: Record<Exclude<keyof FleetResults, 'targets'>, Workload> = {
  stampede,
  propagation,
  steady,
  hits,
  redisCost,
}

/** Runs every fleet workload for tiered and bentocache over the Redis at `redis`; `admin` cleans up the keys. */
export async function runFleetBench(
  redis: { host: string; port: number },
  admin: Redis,
  log: (line: string) => void,
): Promise<FleetResults> {
  const results: Omit<FleetResults, 'targets'> = {
    stampede: [],
    propagation: [],
    steady: [],
    hits: [],
    redisCost: [],
  }
  const only = process.env.TIERED_FLEET_ONLY
  for (const [name, run] of Object.entries(WORKLOADS) as [keyof typeof WORKLOADS, Workload][]) {
    if (only !== undefined && !only.split(',').includes(name)) continue
    for (const system of FLEET_SYSTEMS) {
      const prefix = `bench:fleet:${system}:${name}:`
      const setup: FleetSetup = { redis, prefix, freshMs: TTL_MS, ttlMs: TTL_MS, bus: true }
      const started = performance.now()
      let rows: FleetRow[]
      try {
        rows = [await run(system, setup, admin)].flat()
      } catch (error) {
        rows = [
          {
            system,
            figures: {},
            notes: [],
            error: error instanceof Error ? error.message : String(error),
          },
        ]
      } finally {
        await deletePrefix(admin, prefix)
      }
      results[name].push(...rows)
      for (const row of rows) {
        const figures = Object.entries(row.figures)
          .map(([key, value]) => `${key} ${Number.isInteger(value) ? value : value.toFixed(2)}`)
          .join(', ')
        const detail = name === 'redisCost' ? ` [${row.notes.join('; ')}]` : ''
        log(
          `  fleet ${name.padEnd(12)} ${(row.label ?? system).padEnd(11)} ${row.error === undefined ? figures : `ERROR ${row.error.split('\n')[0]}`}${detail} (${((performance.now() - started) / 1_000).toFixed(1)} s)`,
        )
      }
    }
  }
  return { ...results, targets: fleetTargets(results) }
}

function figure(rows: FleetRow[], system: FleetSystemId, name: string): number | undefined {
  const value = rows.find((row) => row.system === system && row.error === undefined)?.figures[name]
  return value === undefined || Number.isNaN(value) ? undefined : value
}

function fleetTargets(results: Omit<FleetResults, 'targets'>): FleetResults['targets'] {
  const loads = figure(results.stampede, 'tiered', 'loads')
  const p99 = figure(results.propagation, 'tiered', 'p99')
  const calls = figure(results.steady, 'tiered', 'sourceCallsPerSecond')
  const bentoCalls = figure(results.steady, 'bentocache', 'sourceCallsPerSecond')
  const ratio = figure(results.hits, 'tiered', 'ratio')
  const cost = figure(results.redisCost, 'tiered', 'commandsPerLoad')
  const bentoCost = figure(results.redisCost, 'bentocache', 'commandsPerLoad')
  return [
    {
      text: 'Cross-process stampede (4 processes, cold key): 1 load',
      measured: loads === undefined ? 'not measured' : `${loads} loads per round (median)`,
      holds: loads === undefined ? null : loads === 1,
    },
    {
      text: 'Propagation from A’s set to B: p99 ≤ 5 ms',
      measured: p99 === undefined ? 'not measured' : `p99 ${p99.toFixed(2)} ms`,
      holds: p99 === undefined ? null : p99 <= 5,
    },
    {
      text: 'Source calls per second, 4 processes under steady load: ≤ bentocache’s',
      measured:
        calls === undefined || bentoCalls === undefined
          ? 'not measured'
          : `${calls.toFixed(0)}/s against ${bentoCalls.toFixed(0)}/s`,
      holds: calls === undefined || bentoCalls === undefined ? null : calls <= bentoCalls,
    },
    {
      text: 'Fresh memory hit with a bus: within 5 % of one without',
      measured: ratio === undefined ? 'not measured' : `${(ratio * 100).toFixed(1)} % of the figure without`,
      holds: ratio === undefined ? null : ratio >= 0.95,
    },
    {
      text: 'Redis commands per loader call, 4 processes under steady load (bus + lock): ≤ bentocache’s',
      measured:
        cost === undefined || bentoCost === undefined
          ? 'not measured'
          : `${cost.toFixed(1)} against ${bentoCost.toFixed(1)}`,
      holds: cost === undefined || bentoCost === undefined ? null : cost <= bentoCost,
    },
  ]
}

const fixed = (value: number | undefined, digits: number) =>
  value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits)

function rowsTable(rows: FleetRow[], columns: [string, string, number][]): string[] {
  const head = ['System', ...columns.map(([, title]) => title), 'notes']
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i === 0 || i === head.length - 1 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => {
      const name = row.label ?? (row.system === 'tiered' ? '**tiered** (bus + lock)' : 'bentocache (bus)')
      const cells = columns.map(([key, , digits]) => fixed(row.figures[key], digits))
      const notes = row.error === undefined ? row.notes.join('; ') : `ERROR: ${row.error.split('\n')[0]}`
      return `| ${[name, ...cells, notes.replaceAll('|', '\\|')].join(' | ')} |`
    }),
    '',
  ]
}

/** The "Fleet" section of RESULTS.md. */
export function renderFleetMarkdown(results: FleetResults): string {
  return [
    '## Fleet: many processes over one Redis, with a bus',
    '',
    'tiered with `createRedisBus` and `createRedisLock`, bentocache with `redisBusDriver` (it has no distributed ' +
      'lock); memory over one shared Redis, every process a Node process of its own (bench/src/fleet/).',
    '',
    '| Target | Measured | Verdict |',
    '| --- | --- | --- |',
    ...results.targets.map(
      (t) =>
        `| ${t.text} | ${t.measured} | ${t.holds === null ? 'not measured' : t.holds ? 'holds' : '**fails**'} |`,
    ),
    '',
    `### Cross-process stampede`,
    '',
    `${STAMPEDE.processes} processes × ${STAMPEDE.callers} callers on one cold key, a ${STAMPEDE.loadMs} ms loader, ${STAMPEDE.rounds} rounds; ideal 1 load.`,
    '',
    ...rowsTable(results.stampede, [
      ['loads', 'loads per round (median)', 0],
      ['ms', 'ms until all 1 000 have it', 1],
    ]),
    '### Propagation delay',
    '',
    `From A's \`set\` resolving to B (which held the old value in memory) no longer serving it, ${PROPAGATION.samples} samples; wall clock of one machine.`,
    '',
    ...rowsTable(results.propagation, [
      ['p50', 'p50 ms', 2],
      ['p99', 'p99 ms', 2],
      ['max', 'max ms', 2],
    ]),
    '### Source calls under steady load',
    '',
    `${STEADY.processes} processes × ${STEADY.callers} paced callers over ${STEADY.keys} keys (fresh ${STEADY.freshMs / 1_000} s, ttl ${STEADY.ttlMs / 1_000} s, a ${STEADY.loadMs} ms loader) for ${STEADY.measureMs / 1_000} s after ${STEADY.warmupMs / 1_000} s of warm-up; ideal ${STEADY.keys / (STEADY.freshMs / 1_000)} calls/s (each key once per fresh window).`,
    '',
    ...rowsTable(results.steady, [
      ['sourceCallsPerSecond', 'source calls/s', 0],
      ['readsPerSecond', 'reads/s', 0],
    ]),
    '### Fresh memory hit with and without a bus',
    '',
    `${HITS.keys} warm keys read in turn by one caller, rounds alternating between the cache with a bus and without.`,
    '',
    ...rowsTable(results.hits, [
      ['withBus', 'ops/s with a bus', 0],
      ['without', 'ops/s without', 0],
      ['ratio', 'with / without', 3],
    ]),
    '### Redis commands per loader call',
    '',
    `${REDIS_COST.processes} processes × ${REDIS_COST.callers} paced callers over ${REDIS_COST.keys} keys (fresh ${REDIS_COST.freshMs / 1_000} s, ttl ${REDIS_COST.ttlMs / 1_000} s, a ${REDIS_COST.loadMs} ms loader) for ${REDIS_COST.measureMs / 1_000} s; every command the redis-server ran in that time (INFO commandstats) over the loader calls; notes: each command per loader call.`,
    '',
    ...rowsTable(results.redisCost, [
      ['commandsPerLoad', 'commands per loader call', 1],
      ['sentPerLoad', 'sent by clients', 1],
      ['loadsPerSecond', 'loader calls/s', 0],
    ]),
  ].join('\n')
}
