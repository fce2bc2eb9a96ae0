// The messages between a test and the processes of its fleet (support/fleet-child.ts).

export interface FleetConfig {
  /** The shared tier and the bus: one redis-server, or the nodes of a Cluster. */
  redis: { url: string } | { cluster: { host: string; port: number }[] }
  /** The lock's own server; default: the same as `redis`. */
  lockRedis?: { url: string }
  /** Every Redis key and the bus channel start with it. */
  prefix: string
  /** false: no bus. */
  bus?: boolean
  /** false: no lock. */
  lock?: boolean
  storeTimeoutMs?: number
  lockTtlMs?: number
  freshMs?: number
  ttlMs?: number
  /** false: loader calls are not announced to the parent (steady load makes too many). */
  announceLoads?: boolean
  /**
   * The ioredis client: `'advised'` as the store-redis README advises (reconnect every 20 ms, never send a command
   * twice), `'defaults'` with ioredis's defaults, as a new user makes it; default `maxRetriesPerRequest: 1`.
   */
  client?: 'advised' | 'defaults'
}

/** Steady load: `workers` loops of swr calls, together at most `ratePerSec`, from wall-clock `startAt`. */
export interface SteadyLoad {
  startAt: number
  durationMs: number
  ratePerSec: number
  workers: number
  /** Keys that stay warm: every process reads them. */
  hotKeys: number
  /** Share of calls for a key never seen before (0.02: 2 %). */
  coldShare: number
  loadMs: number
}

/** Per call, five numbers: wall-clock start (ms), own ms (less event-loop stalls), raw ms, 1 if it failed or
 * resolved a wrong value, 1 if its key was cold. */
export interface SteadyResult {
  calls: number[]
  stallsMs: number
  errors: string[]
}

export type FleetCommand = { id: number } & (
  | { op: 'set'; key: string; value: unknown }
  | { op: 'delete'; key: string }
  | { op: 'get'; key: string }
  /** The entry in the process's memory tier only, without touching the cache. */
  | { op: 'peek'; key: string }
  /** `callers` concurrent swr calls (at the wall-clock instant `startAt`, if given) with a loader of `loadMs`. */
  | {
      op: 'swr'
      key: string
      callers: number
      loadMs: number
      value: unknown
      startAt?: number
      timeoutMs?: number
    }
  /** Reads `key` every `intervalMs` until it is no longer `old`; reports when. */
  | { op: 'watch'; key: string; old: unknown; intervalMs: number; timeoutMs: number }
  /**
   * For `durationMs`, `workers` concurrent loops of random swr, swrMany, set, delete and deleteByTag calls over
   * `keys` keys (loaders take up to `loadMs`); reports every value it produced and every answer it got.
   */
  | { op: 'fuzz'; keys: number; durationMs: number; workers: number; loadMs: number; seed: number }
  | ({ op: 'steady' } & SteadyLoad)
  | { op: 'stats' }
  | { op: 'close' }
)

export type FleetEvent =
  | { type: 'ready'; pid: number; error?: string }
  /** A loader call started. */
  | { type: 'loading'; pid: number; key: string; at: number }

export type FleetReply = { type: 'reply'; id: number } & (
  | { ok: true; result: unknown }
  | { ok: false; error: string }
)
