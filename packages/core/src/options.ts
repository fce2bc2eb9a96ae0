// TieredCache's options: what a user may pass, checked once at construction into what the engine runs on.

import type { CircuitBreakerOptions } from './circuit-breaker.js'
import { toMs } from './duration.js'
import { type PolicyDefaults, policyDefaults } from './entry-policy.js'
import type { CacheEvents } from './events.js'
import { type CircuitSettings, Tier, type TierHost } from './tier.js'
import type { CacheBus, CacheLock, CacheStore, Duration } from './types.js'

export interface TieredCacheOptions {
  /** Names the cache in diagnostics (`cache` in every channel message, `tiered.cache` in OpenTelemetry). Default 'default'. */
  name?: string
  /** Tiers, fastest first; at least one. */
  stores: readonly CacheStore[]
  /** How long an entry lives. Default 5 minutes. `Infinity`: entries never expire unless a call says otherwise. */
  defaultTtl?: Duration
  /** How long an entry is fresh. Default: the entry's ttl. */
  defaultFresh?: Duration
  /** How long past its ttl an entry is kept to serve when a load fails. Default 0; `Infinity`: forever. */
  defaultStaleIfError?: Duration
  /** `timeout` of every swr / swrMany call that sets none. Default: none (a load may take as long as it takes). */
  defaultTimeout?: Duration
  /** `softTimeout` of every swr / swrMany call that sets none. Default: none. */
  defaultSoftTimeout?: Duration
  /** The clock, epoch ms. Default `Date.now`. */
  now?: () => number
  /** Called with every failure the cache reports (a tier, the bus or lock, a background or fallen-back load). */
  onError?: (error: unknown, event: CacheEvents['error']) => void
  /** A tier, bus or lock call that takes longer counts as failed. Default '1s'; `false` waits forever. */
  storeTimeout?: Duration | false
  /** Skip a tier, the lock or the bus after repeated failures and probe it in the background. Default `{ failureThreshold: 5, cooldown: '100ms' }`. */
  circuitBreaker?: CircuitBreakerOptions | false
  /** Carries notices between the processes of a fleet so that every local tier stays true. */
  bus?: CacheBus
  /** A lease per key across the fleet, so that one process loads a cold key. */
  lock?: CacheLock
  /** How long a lease lasts when the call sets no `timeout`. Default '10s'. */
  lockTtl?: Duration
  /** How long a tag stamp lives; a tagged entry's lifetime with grace is capped at it. Default '1d'. */
  tagTtl?: Duration
  /**
   * After a load fails and its call is answered from an entry within grace, later calls for the key serve that
   * entry without loading for this long (per process; `stats().backoffHits` counts them). Default '5s'; 0: off.
   */
  failureBackoff?: Duration
}

export interface ResolvedOptions {
  name: string
  tiers: Tier[]
  defaults: PolicyDefaults
  now: () => number
  storeTimeoutMs: number
  bus: CacheBus | undefined
  lock: CacheLock | undefined
  lockTtlMs: number
  /** The timers of every swr / swrMany call that sets none of its own. */
  calls: CallDefaults
  /** The circuit settings of every tier, the lock and the bus; undefined when `circuitBreaker: false`. */
  circuit: CircuitSettings | undefined
}

/** What a call that sets no `timeout`, `softTimeout` or `failureBackoff` of its own runs with. */
export interface CallDefaults {
  readonly timeoutMs: number | undefined
  readonly softMs: number | undefined
  readonly backoffMs: number
}

export function resolveOptions(options: TieredCacheOptions, host: TierHost): ResolvedOptions {
  if (options === null || typeof options !== 'object')
    throw new TypeError('TieredCache needs an options object')
  const { stores } = options
  if (!Array.isArray(stores) || stores.length === 0) {
    throw new RangeError('TieredCache needs at least one store in `stores`, fastest first')
  }
  if (options.now !== undefined && typeof options.now !== 'function')
    throw new TypeError('`now` must be a function')
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TypeError('`onError` must be a function')
  }
  const name = options.name ?? 'default'
  if (typeof name !== 'string' || name === '') throw new TypeError('`name` must be a non-empty string')
  const defaults = policyDefaults(
    options.defaultTtl,
    options.defaultFresh,
    options.defaultStaleIfError,
    options.tagTtl,
  )
  const storeTimeoutMs =
    options.storeTimeout === false ? 0 : toMs(options.storeTimeout ?? 1_000, 'storeTimeout')
  const circuit = circuitSettings(options.circuitBreaker)
  const names = new Set<string>()
  const tiers = stores.map((store: CacheStore, index: number) => {
    if (store === null || typeof store !== 'object' || typeof store.get !== 'function') {
      throw new TypeError(`stores[${index}] is not a CacheStore (it needs name, get, set and delete)`)
    }
    if (typeof store.set !== 'function' || typeof store.delete !== 'function') {
      throw new TypeError(`stores[${index}] ("${store.name}") is not a CacheStore: it needs set and delete`)
    }
    if (names.has(store.name))
      throw new RangeError(`two stores are named "${store.name}"; give each tier its own name`)
    names.add(store.name)
    return new Tier(store, host, storeTimeoutMs, circuit)
  })
  const { bus, lock } = options
  if (bus !== undefined && (typeof bus?.publish !== 'function' || typeof bus.subscribe !== 'function')) {
    throw new TypeError('`bus` must be a CacheBus (publish and subscribe), e.g. createRedisBus(client)')
  }
  if (lock !== undefined && (typeof lock?.acquire !== 'function' || typeof lock.release !== 'function')) {
    throw new TypeError('`lock` must be a CacheLock (acquire and release), e.g. createRedisLock(client)')
  }
  const lockTtlMs = toMs(options.lockTtl ?? 10_000, 'lockTtl')
  if (lockTtlMs <= 0) throw new RangeError('lockTtl must be greater than 0')
  const timeoutMs =
    options.defaultTimeout === undefined ? undefined : toMs(options.defaultTimeout, 'defaultTimeout')
  if (timeoutMs !== undefined && timeoutMs <= 0) throw new RangeError('defaultTimeout must be greater than 0')
  const softMs =
    options.defaultSoftTimeout === undefined
      ? undefined
      : toMs(options.defaultSoftTimeout, 'defaultSoftTimeout')
  const backoffMs = toMs(options.failureBackoff ?? 5_000, 'failureBackoff')
  return {
    name,
    tiers,
    defaults,
    now: options.now ?? Date.now,
    storeTimeoutMs,
    bus,
    lock,
    lockTtlMs,
    calls: { timeoutMs, softMs, backoffMs },
    circuit,
  }
}

function circuitSettings(breaker: CircuitBreakerOptions | false | undefined): CircuitSettings | undefined {
  if (breaker === false) return undefined
  const threshold = breaker?.failureThreshold ?? 5
  if (!Number.isInteger(threshold) || threshold < 1) {
    throw new RangeError(`circuitBreaker.failureThreshold must be an integer >= 1, got ${threshold}`)
  }
  const probeMs = toMs(breaker?.cooldown ?? 100, 'circuitBreaker.cooldown')
  if (probeMs <= 0) throw new RangeError('circuitBreaker.cooldown must be greater than 0')
  return { threshold, probeMs }
}
