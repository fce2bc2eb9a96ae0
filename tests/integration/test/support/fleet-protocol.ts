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
