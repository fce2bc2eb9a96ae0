// What observability costs on the hot path (a fresh memory hit through swr), as ratios measured with the two sides
// interleaved round by round, so that a change in the machine's load falls on both:
// 1. no subscriber vs a build before (TIERED_BASELINE: a built checkout, default /work/baseline; skipped when it is
//    not there). `pnpm --filter @tiered/bench baseline <commit>` makes one: the commit before the channels landed
//    (c096884^1) gives their cost. Run in BENCH_DIAGNOSTICS_PROCESSES processes (7), the median and range printed,
//    since one process's ratio moves by a few percent with where its code and entries happen to sit;
// 2. @tiered/otel's TieredInstrumentation registered (an SDK tracer and meter provider whose exporters drop what
//    they get) vs not registered.
// The figure of each side is CPU ns per fresh hit; the ratio is the median of the paired rounds' ratios.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { context, metrics, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { registerInstrumentations } from '@opentelemetry/instrumentation'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { BatchSpanProcessor, InMemorySpanExporter, TracerProvider } from '@opentelemetry/sdk-trace'
import { type Duration, TieredCache } from '@tiered/core'
import { TieredInstrumentation } from '@tiered/otel'
import { createMemoryStore } from '@tiered/store-memory'

const PAIRS = Number(process.env.BENCH_DIAGNOSTICS_PAIRS ?? 30)
const OPS = Number(process.env.BENCH_DIAGNOSTICS_OPS ?? 100_000)
const KEYS = Array.from({ length: 1_000 }, (_, i) => `user:${i}`)
const queryFn = () => ({ id: 'loaded' })

interface Swr {
  swr(options: { queryKey: string; queryFn: () => unknown; fresh: Duration; ttl: Duration }): Promise<unknown>
}

/**
 * Fills the caches key by key in turn, so that no side's entries sit in older (or newer) memory than the other's:
 * filling one cache after the other made the same build measure up to 10 % apart.
 */
async function fill(...caches: Swr[]): Promise<void> {
  for (const key of KEYS) {
    for (const cache of caches) await cache.swr({ queryKey: key, queryFn, fresh: '1h', ttl: '2h' })
  }
}

/**
 * CPU ns per fresh hit over one round of OPS calls. CPU time rather than wall time: on a machine shared with other
 * work, a round that waited for a core would otherwise be billed for the wait.
 */
async function round(cache: Swr, ops: number): Promise<number> {
  const start = process.cpuUsage()
  for (let i = 0; i < ops; i++) {
    await cache.swr({ queryKey: KEYS[i % 1_000] as string, queryFn, fresh: '1h', ttl: '2h' })
  }
  const used = process.cpuUsage(start)
  return ((used.user + used.system) * 1_000) / ops
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/** Interleaved rounds of two sides (`before` runs before each round of its side); the median paired ratio b/a. */
async function compare(
  a: { cache: Swr; before?: () => void },
  b: { cache: Swr; before?: () => void },
  ops = OPS,
): Promise<{ a: number; b: number; ratio: number; ops: number }> {
  const as: number[] = []
  const bs: number[] = []
  const ratios: number[] = []
  for (let pair = -3; pair < PAIRS; pair++) {
    // Alternate which side goes first, so neither always follows a collection the other caused.
    const order = pair % 2 === 0 ? [a, b] : [b, a]
    const figures = new Map<object, number>()
    for (const side of order) {
      side.before?.()
      figures.set(side, await round(side.cache, ops))
    }
    if (pair < 0) continue // warm-up
    const fa = figures.get(a) as number
    const fb = figures.get(b) as number
    as.push(fa)
    bs.push(fb)
    ratios.push(fb / fa)
  }
  return { a: median(as), b: median(bs), ratio: median(ratios), ops }
}

const line = (
  label: string,
  figures: { a: number; b: number; ratio: number; ops: number },
  a: string,
  b: string,
) =>
  `${label}: ${a} ${figures.a.toFixed(1)} ns, ${b} ${figures.b.toFixed(1)} ns CPU per fresh hit; ratio ${figures.ratio.toFixed(3)} (median of ${PAIRS} interleaved pairs of ${figures.ops} calls)`

const current = new TieredCache({ stores: [createMemoryStore('memory')] })

const baselineDir = process.env.TIERED_BASELINE ?? '/work/baseline'
const baselineCore = join(baselineDir, 'packages/core/dist/index.js')
const baselineMemory = join(baselineDir, 'packages/store-memory/dist/index.js')
/** Set in the child processes of the comparison with the build before: each prints its two figures as JSON. */
const CHILD = process.env.BENCH_DIAGNOSTICS_CHILD === '1'
const PROCESSES = Number(process.env.BENCH_DIAGNOSTICS_PROCESSES ?? 7)

interface BaselineFigures {
  itself: { a: number; b: number; ratio: number; ops: number }
  now: { a: number; b: number; ratio: number; ops: number }
}

/** One process's comparison: the build before against itself (the noise floor), and against this build. */
async function baselineFigures(): Promise<BaselineFigures> {
  const before = (await import(pathToFileURL(baselineCore).href)) as { TieredCache: typeof TieredCache }
  const memory = (await import(pathToFileURL(baselineMemory).href)) as {
    createMemoryStore: typeof createMemoryStore
  }
  const made = () => new before.TieredCache({ stores: [memory.createMemoryStore('memory')] })
  const [old, same] = [made(), made()]
  await fill(old, current, same)
  const itself = await compare({ cache: old }, { cache: same })
  const now = await compare({ cache: old }, { cache: current })
  return { itself, now }
}

/**
 * The comparison with the build before, in PROCESSES processes one after another: where the JIT puts each build's
 * code and the heap each cache's entries differs from one process to the next and moves one process's ratio by a
 * few percent either way, so the figure is the median over processes, with the range beside it.
 */
async function baselineAcrossProcesses(): Promise<void> {
  const { execFileSync } = await import('node:child_process')
  const runs: BaselineFigures[] = []
  for (let i = 0; i < PROCESSES; i++) {
    const out = execFileSync(process.execPath, [...process.execArgv, process.argv[1] as string], {
      env: { ...process.env, BENCH_DIAGNOSTICS_CHILD: '1' },
      encoding: 'utf8',
    })
    runs.push(JSON.parse(out.trim().split('\n').pop() as string) as BaselineFigures)
  }
  const summary = (
    label: string,
    pick: (run: BaselineFigures) => BaselineFigures['now'],
    a: string,
    b: string,
  ) => {
    const ratios = runs.map((run) => pick(run).ratio)
    const figures = {
      a: median(runs.map((run) => pick(run).a)),
      b: median(runs.map((run) => pick(run).b)),
      ratio: median(ratios),
      ops: OPS,
    }
    const range = `${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)}`
    console.log(`${line(label, figures, a, b)}; median of ${PROCESSES} processes, range ${range}`)
  }
  console.log(`the build before: ${baselineDir}`)
  summary('the build before vs itself (noise)', (run) => run.itself, 'a', 'b')
  summary('no subscriber vs the build before', (run) => run.now, 'before', 'now')
}

if (CHILD) {
  console.log(JSON.stringify(await baselineFigures()))
  process.exit(0)
}
if (existsSync(baselineCore) && existsSync(baselineMemory)) {
  await baselineAcrossProcesses()
} else {
  console.log(`no subscriber vs the build before: skipped (no build at ${baselineDir})`)
}
await fill(current)

if (process.env.BENCH_DIAGNOSTICS_ONLY === 'baseline') process.exit(0)

// An SDK as an application sets it up, exporting nowhere: what is measured is the instrumentation and the SDK's
// span and metric recording, not an exporter's I/O.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
// The exporter is reset at every export, so the spans of millions of calls are dropped, not kept.
const spans = new InMemorySpanExporter()
const tracerProvider = new TracerProvider({
  spanProcessors: [
    new BatchSpanProcessor({ exporter: spans, maxQueueSize: 2_048, scheduledDelayMillis: 200 }),
  ],
})
trace.setGlobalTracerProvider(tracerProvider)
const meterProvider = new MeterProvider({
  readers: [
    new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.DELTA),
      exportIntervalMillis: 1_000,
    }),
  ],
})
metrics.setGlobalMeterProvider(meterProvider)
const instrumentation = new TieredInstrumentation()
registerInstrumentations({ instrumentations: [instrumentation] })
const figures = await compare(
  { cache: current, before: () => instrumentation.disable() },
  {
    cache: current,
    before: () => {
      spans.reset()
      instrumentation.enable()
    },
  },
  // A traced call costs microseconds: fewer calls per round keep the run short.
  Math.max(1_000, Math.round(OPS / 10)),
)
instrumentation.disable()
console.log(line('TieredInstrumentation registered vs none', figures, 'none', 'registered'))
await tracerProvider.shutdown()
await meterProvider.shutdown()
