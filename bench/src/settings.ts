// The knobs every workload shares: round counts and lengths, ttl, key counts. Environment variables override
// them for a quick look (BENCH_ROUNDS=2 BENCH_ROUND_MS=100); the published figures use the defaults.

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${name} must be a positive number, got "${raw}"`)
  return value
}

/** Timed rounds per (workload, system); the figure is their median. */
export const ROUNDS = envNumber('BENCH_ROUNDS', 7)
/** Untimed rounds before them, for the JIT and the connections. */
export const WARMUP_ROUNDS = envNumber('BENCH_WARMUP_ROUNDS', 2)
/** Rounds of the heap workload: its figure hardly moves, and each round loads 100 000 entries. */
export const HEAP_ROUNDS = envNumber('BENCH_HEAP_ROUNDS', 3)
/** Length of one throughput round. */
export const ROUND_MS = envNumber('BENCH_ROUND_MS', 250)
/** How long an entry lives in every system (and is fresh, except in the stale workload). */
export const TTL_MS = 5 * 60_000
/** Capacity given to every memory tier, above the largest workload so nothing is evicted. */
export const MEMORY_CAPACITY = 200_000
/** A measuring process that does not finish its setup or a round within this is killed, its figure an error. */
export const TURN_TIMEOUT_MS = envNumber('BENCH_TURN_TIMEOUT_MS', 60_000)
/** Only these workload ids, comma-separated (for development). */
export const ONLY_WORKLOADS = process.env.BENCH_WORKLOADS?.split(',').filter(Boolean)
/** Only these system ids, comma-separated (for development). */
export const ONLY_SYSTEMS = process.env.BENCH_SYSTEMS?.split(',').filter(Boolean)
