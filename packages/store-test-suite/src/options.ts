// What a store author can tell the conformance suite about their store, and the timings derived from it.

import type { CacheStore, MaybePromise } from '@tiered/core'
import type { TestRunner } from './runner.js'

export interface ConformanceOptions {
  /**
   * The smallest ttl, in ms, the store honours precisely. Default 100. A store that writes whole-second ttls
   * (Redis `EX`) passes 1000. The ttl cases write entries that live twice this long.
   */
  ttlGranularityMs?: number
  /**
   * Runs after every test for each store the test opened, after `clear()` (when the store has it): close
   * connections, drop tables. A store's own `close()` is not called for you.
   */
  cleanup?: (store: CacheStore) => MaybePromise<void>
  /**
   * Makes a value the store cannot encode (a BigInt for a JSON store, a function for v8). Without it the two
   * serialization rules are skipped, which is right only for a store that keeps every value as it is (memory).
   */
  unencodableValue?: () => unknown
  /**
   * Whether the client the store was given is still open, for a store made on a client the test owns; the close
   * rule checks it stays open after `store.close()`. Without it that part is skipped.
   */
  clientIsOpen?: (store: CacheStore) => MaybePromise<boolean>
  /** `describe` and `it` of your runner (node:test, jest, mocha). Default: vitest's. */
  runner?: TestRunner
}

/** The timings every ttl case uses, derived from `ttlGranularityMs`. */
export interface TtlTimings {
  granularityMs: number
  /** The ttl of an entry that must expire during the test. */
  shortMs: number
  /** The ttl of an entry that must outlive the test. */
  longMs: number
  /** How long past its ttl an entry may still be returned: one granularity step plus room for a busy machine. */
  lateMs: number
  /** How often an expiring key is read while waiting for it to go. */
  pollMs: number
  /** The timeout of a case that waits for an expiry. */
  testTimeoutMs: number
}

const SCHEDULING_ROOM_MS = 1_000

export function ttlTimings(options: ConformanceOptions): TtlTimings {
  const granularityMs = options.ttlGranularityMs ?? 100
  if (!(Number.isFinite(granularityMs) && granularityMs > 0)) {
    throw new RangeError(`ttlGranularityMs must be a finite number of ms > 0, got ${granularityMs}`)
  }
  const shortMs = Math.ceil(2 * granularityMs)
  const lateMs = granularityMs + SCHEDULING_ROOM_MS
  return {
    granularityMs,
    shortMs,
    // Whole milliseconds: the engine only ever passes integers >= 1.
    longMs: Math.ceil(Math.max(60_000, 100 * granularityMs)),
    lateMs,
    pollMs: Math.min(100, Math.max(10, Math.round(granularityMs / 4))),
    testTimeoutMs: 30_000 + 2 * (shortMs + lateMs),
  }
}
