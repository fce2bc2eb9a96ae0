// How a figure is taken: untimed warm-up rounds, then timed rounds of a fixed length in which `callers` async
// workers loop over their own operations; the figure is the median round's ops/s.

import { ROUND_MS, ROUNDS, WARMUP_ROUNDS } from './settings.js'

export interface Figure {
  /** Median over the timed rounds. */
  median: number
  /** Every timed round, in order. */
  rounds: number[]
}

export interface ThroughputOptions {
  /** Concurrent workers; each awaits its previous operation before the next. */
  callers: number
  /** Operation number `n` of worker `worker`; `n` keeps counting across rounds, so keys can stay unique. */
  op: (worker: number, n: number) => Promise<unknown>
  /** Operations between two looks at the clock; a few dozen for sub-microsecond operations. */
  batch?: number
}

let gate: () => Promise<void> = () => Promise.resolve()

/**
 * Called before every round, warm-up or timed. The runner sets it so that the systems of a workload, each in its
 * own process, take their rounds in turn: a change in the machine's load then hits every system alike.
 */
export function setRoundGate(next: () => Promise<void>): void {
  gate = next
}

/** The most operations a worker runs in one round, so a broken clock cannot loop forever. */
const MAX_OPS_PER_ROUND = 50_000_000

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/** A full collection when node runs with --expose-gc, so one round's garbage is not billed to the next. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc !== undefined) {
    gc()
    gc()
  }
}

export async function measureThroughput(options: ThroughputOptions): Promise<Figure> {
  const { callers, op } = options
  const batch = options.batch ?? 1
  const next = new Array<number>(callers).fill(0)

  async function round(): Promise<number> {
    collectGarbage()
    const start = performance.now()
    const deadline = start + ROUND_MS
    let done = 0
    async function worker(w: number): Promise<void> {
      const first = next[w] as number
      let n = first
      while (n - first < MAX_OPS_PER_ROUND) {
        for (let b = 0; b < batch; b++) await op(w, n++)
        if (performance.now() >= deadline) break
      }
      next[w] = n
      done += n - first
    }
    const workers: Promise<void>[] = []
    for (let w = 0; w < callers; w++) workers.push(worker(w))
    await Promise.all(workers)
    return done / ((performance.now() - start) / 1_000)
  }

  for (let r = 0; r < WARMUP_ROUNDS; r++) {
    await gate()
    await round()
  }
  const rounds: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    await gate()
    rounds.push(await round())
  }
  return { median: median(rounds), rounds }
}

/** Runs `once` for the warm-up rounds and then the timed rounds, collecting the timed results. */
export async function repeatRounds<T>(
  once: (round: number) => Promise<T>,
  { warmupRounds = 1, rounds = ROUNDS }: { warmupRounds?: number; rounds?: number } = {},
): Promise<T[]> {
  for (let r = 0; r < warmupRounds; r++) {
    await gate()
    await once(-1 - r)
  }
  const results: T[] = []
  for (let r = 0; r < rounds; r++) {
    await gate()
    collectGarbage()
    results.push(await once(r))
  }
  return results
}
