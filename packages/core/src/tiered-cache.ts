// TieredCache: tiers stacked fastest first, read through with backfill, written to all, and swr on top.

import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js'
import { toMs } from './duration.js'
import {
  copyPolicy,
  type EntryPolicy,
  makeEntry,
  type PolicyDefaults,
  policyDefaults,
  resolvePolicy,
} from './entry-policy.js'
import { CacheClosedError, CacheStoreError, CacheTimeoutError } from './errors.js'
import { CacheEmitter, type CacheEventName, type CacheEvents, type CacheListener } from './events.js'
import { LoadContext } from './load-context.js'
import { toKey } from './query-key.js'
import { type ReadResult, readThrough } from './read-path.js'
import { type Flight, Singleflight } from './singleflight.js'
import { Tier, type TierHost, type TierStats } from './tier.js'
import type { CacheEntry, CacheStore, Duration, EntryOptions, QueryKey, SwrOptions } from './types.js'
import { invalidateTiers, writeTiers } from './write-path.js'

export interface TieredCacheOptions {
  /** Tiers, fastest first; at least one. */
  stores: readonly CacheStore[]
  /** How long an entry lives. Default 5 minutes. */
  defaultTtl?: Duration
  /** How long an entry is fresh. Default: the entry's ttl. */
  defaultFresh?: Duration
  /** How long past its ttl an entry is kept to serve when a load fails. Default 0. */
  defaultStaleIfError?: Duration
  /** The clock, epoch ms. Default `Date.now`. */
  now?: () => number
  /** Called with every failure the cache reports (a tier, a background load, a load that fell back to grace). */
  onError?: (error: unknown, event: CacheEvents['error']) => void
  /** A tier operation that takes longer counts as a miss or a failed write. Default '1s'; `false` waits forever. */
  storeTimeout?: Duration | false
  /** Skip a tier after repeated failures, then probe it. Default `{ failureThreshold: 5, cooldown: '1s' }`. */
  circuitBreaker?: CircuitBreakerOptions | false
}

export interface CacheStats {
  /** Fresh values served from a tier. */
  hits: number
  /** Stale values served (during a refresh, or in place of a failed or slow load). */
  staleHits: number
  /** Calls that found no live value in any tier. */
  misses: number
  /** queryFn calls started. */
  loads: number
  /** queryFn calls that failed or timed out. */
  loadErrors: number
  /** Tier operations that failed or timed out. */
  storeErrors: number
  /** Each tier's circuit. */
  tiers: TierStats[]
}

const SOFT_TIMEOUT: unique symbol = Symbol('soft timeout')
const ignore = (): void => {}

export class TieredCache {
  readonly #tiers: readonly Tier[]
  readonly #defaults: PolicyDefaults
  readonly #now: () => number
  readonly #onError: TieredCacheOptions['onError']
  readonly #emitter: CacheEmitter
  readonly #reads = new Singleflight<ReadResult>()
  readonly #loads = new Singleflight<unknown>()
  readonly #running = new Set<LoadContext>()
  /** Out-parameter of the hot path, filled and read synchronously. */
  readonly #scratch: EntryPolicy = { ttl: 0, fresh: 0, grace: 0 }
  #closed = false
  #hits = 0
  #staleHits = 0
  #misses = 0
  #loadCount = 0
  #loadErrors = 0
  #storeErrors = 0

  constructor(options: TieredCacheOptions) {
    if (options === null || typeof options !== 'object')
      throw new TypeError('TieredCache needs an options object')
    const { stores } = options
    if (!Array.isArray(stores) || stores.length === 0) {
      throw new RangeError('TieredCache needs at least one store in `stores`, fastest first')
    }
    this.#defaults = policyDefaults(options.defaultTtl, options.defaultFresh, options.defaultStaleIfError)
    if (options.now !== undefined && typeof options.now !== 'function')
      throw new TypeError('`now` must be a function')
    if (options.onError !== undefined && typeof options.onError !== 'function') {
      throw new TypeError('`onError` must be a function')
    }
    this.#now = options.now ?? Date.now
    this.#onError = options.onError
    this.#emitter = new CacheEmitter((error) => this.#report(error, 'listener'))
    const timeoutMs = options.storeTimeout === false ? 0 : toMs(options.storeTimeout ?? 1_000, 'storeTimeout')
    const breaker = options.circuitBreaker
    let threshold = 0
    let cooldownMs = 0
    if (breaker !== false) {
      threshold = breaker?.failureThreshold ?? 5
      if (!Number.isInteger(threshold) || threshold < 1) {
        throw new RangeError(`circuitBreaker.failureThreshold must be an integer >= 1, got ${threshold}`)
      }
      cooldownMs = toMs(breaker?.cooldown ?? 1_000, 'circuitBreaker.cooldown')
    }
    const host: TierHost = {
      now: this.#now,
      report: (error) => this.#report(error, error.operation, error.tier, error.key),
      circuitOpened: (tier, operations, failures, retryAt) =>
        this.#emitter.emit('circuit-open', { tier, operations, failures, retryAt }),
      circuitClosed: (tier, operations) => this.#emitter.emit('circuit-close', { tier, operations }),
    }
    const names = new Set<string>()
    this.#tiers = stores.map((store: CacheStore, index: number) => {
      if (store === null || typeof store !== 'object' || typeof store.get !== 'function') {
        throw new TypeError(`stores[${index}] is not a CacheStore (it needs name, get, set and delete)`)
      }
      if (typeof store.set !== 'function' || typeof store.delete !== 'function') {
        throw new TypeError(`stores[${index}] ("${store.name}") is not a CacheStore: it needs set and delete`)
      }
      if (names.has(store.name))
        throw new RangeError(`two stores are named "${store.name}"; give each tier its own name`)
      names.add(store.name)
      return new Tier(
        store,
        host,
        timeoutMs,
        breaker === false ? undefined : () => new CircuitBreaker(threshold, cooldownMs),
      )
    })
  }

  /**
   * The value for `queryKey`: fresh from the nearest tier, stale at once while one background load refreshes it,
   * or loaded once however many callers ask together.
   */
  swr<T>(options: SwrOptions<T>): Promise<T> {
    let key: string
    let policy: EntryPolicy
    try {
      if (this.#closed) throw new CacheClosedError()
      if (typeof options.queryFn !== 'function') throw new TypeError('queryFn must be a function')
      key = toKey(options.queryKey)
      policy = resolvePolicy(options, this.#defaults, this.#scratch)
      if (options.timeout !== undefined && toMs(options.timeout, 'timeout') <= 0) {
        throw new RangeError('timeout must be greater than 0')
      }
      if (options.softTimeout !== undefined) toMs(options.softTimeout, 'softTimeout')
    } catch (error) {
      return Promise.reject(error)
    }
    if (options.forceFresh === true) return this.#load(key, options, copyPolicy(policy), undefined, undefined)

    // The hot path: synchronous tiers answer in place, and a fresh hit costs one resolved promise.
    const tiers = this.#tiers
    const now = this.#now()
    let grace: CacheEntry | undefined
    let graceTier: Tier | undefined
    for (let i = 0; i < tiers.length; i++) {
      const tier = tiers[i] as Tier
      if (tier.sync !== true) {
        return this.#swrBelow(
          key,
          options,
          policy === this.#scratch ? copyPolicy(policy) : policy,
          i,
          grace,
          graceTier,
        )
      }
      const entry = tier.read(key) as CacheEntry | undefined
      if (entry === undefined) continue
      if (now < entry.expiresAt) {
        if (i > 0) writeTiers(tiers, key, entry, now, i)
        if (now < entry.freshUntil) {
          this.#hits++
          if (this.#emitter.listeners.hit !== undefined) this.#emitHit(key, tier, 'fresh')
          return Promise.resolve(entry.value as T)
        }
        this.#serveStale(key, tier, options, policy)
        return Promise.resolve(entry.value as T)
      }
      if (grace === undefined && now < entry.graceUntil) {
        grace = entry
        graceTier = tier
      }
    }
    this.#miss(key)
    return this.#load(key, options, policy === this.#scratch ? copyPolicy(policy) : policy, grace, graceTier)
  }

  /** The cached value while `now < expiresAt`, else undefined. Reads through the tiers and backfills. */
  async get<T>(queryKey: QueryKey): Promise<T | undefined> {
    if (this.#closed) throw new CacheClosedError()
    const key = toKey(queryKey)
    const tiers = this.#tiers
    const now = this.#now()
    for (let i = 0; i < tiers.length; i++) {
      const tier = tiers[i] as Tier
      if (tier.sync !== true) {
        const { entry, tier: from } = await this.#readBelow(key, i)
        if (entry === undefined) break
        this.#countHit(key, from as Tier, this.#now() < entry.freshUntil ? 'fresh' : 'stale')
        return entry.value as T
      }
      const entry = tier.read(key) as CacheEntry | undefined
      if (entry === undefined || now >= entry.expiresAt) continue
      if (i > 0) writeTiers(tiers, key, entry, now, i)
      this.#countHit(key, tier, now < entry.freshUntil ? 'fresh' : 'stale')
      return entry.value as T
    }
    this.#miss(key)
    return undefined
  }

  /** Writes `value` to every tier; wins over any load of the same key already running. */
  async set<T>(queryKey: QueryKey, value: T, options: EntryOptions = {}): Promise<void> {
    if (this.#closed) throw new CacheClosedError()
    const key = toKey(queryKey)
    const policy = copyPolicy(resolvePolicy(options, this.#defaults, this.#scratch))
    if (value === undefined) throw new TypeError('undefined cannot be cached; use delete() to remove a key')
    this.#supersede(key)
    const now = this.#now()
    await writeTiers(this.#tiers, key, makeEntry(value, policy, now), now)
  }

  /** Removes `key` from every tier; rejects with an AggregateError naming the tiers that failed. */
  async delete(queryKey: QueryKey): Promise<void> {
    if (this.#closed) throw new CacheClosedError()
    const key = toKey(queryKey)
    this.#supersede(key)
    await invalidateTiers(this.#tiers, `delete of "${key}"`, (tier) => tier.remove(key))
  }

  /** Empties every tier; rejects with an AggregateError naming the tiers that failed or cannot clear. */
  async clear(): Promise<void> {
    if (this.#closed) throw new CacheClosedError()
    this.#reads.forgetAll()
    this.#loads.forgetAll()
    await invalidateTiers(this.#tiers, 'clear', (tier) => tier.clear())
  }

  /** Aborts running loads, closes every tier and refuses further calls. Failures are reported. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#reads.forgetAll()
    this.#loads.forgetAll()
    for (const context of this.#running) context.abort(new CacheClosedError())
    await Promise.all(this.#tiers.map((tier) => tier.close()))
  }

  on<E extends CacheEventName>(event: E, listener: CacheListener<E>): this {
    this.#emitter.on(event, listener)
    return this
  }

  off<E extends CacheEventName>(event: E, listener: CacheListener<E>): this {
    this.#emitter.off(event, listener)
    return this
  }

  stats(): CacheStats {
    return {
      hits: this.#hits,
      staleHits: this.#staleHits,
      misses: this.#misses,
      loads: this.#loadCount,
      loadErrors: this.#loadErrors,
      storeErrors: this.#storeErrors,
      tiers: this.#tiers.map((tier) => tier.stats()),
    }
  }

  /** swr once the synchronous tiers missed: one shared read of the tiers below, then serve or load. */
  async #swrBelow<T>(
    key: string,
    options: SwrOptions<T>,
    policy: EntryPolicy,
    from: number,
    grace: CacheEntry | undefined,
    graceTier: Tier | undefined,
  ): Promise<T> {
    const read = await this.#readBelow(key, from)
    const { entry } = read
    if (entry !== undefined) {
      if (this.#now() < entry.freshUntil) {
        this.#countHit(key, read.tier as Tier, 'fresh')
      } else {
        this.#serveStale(key, read.tier as Tier, options, policy)
      }
      return entry.value as T
    }
    if (grace === undefined && read.grace !== undefined) {
      grace = read.grace
      graceTier = read.graceTier
    }
    this.#miss(key)
    return this.#load(key, options, policy, grace, graceTier)
  }

  #readBelow(key: string, from: number): Promise<ReadResult> {
    return this.#reads.do(key, (flight) => readThrough(this.#tiers, from, key, this.#now, flight))
  }

  /** Serves a stale entry and makes sure one background load refreshes it. */
  #serveStale<T>(key: string, tier: Tier, options: SwrOptions<T>, policy: EntryPolicy): void {
    this.#countHit(key, tier, 'stale')
    if (this.#loads.has(key)) return
    const frozen = policy === this.#scratch ? copyPolicy(policy) : policy
    // The load reports its own failure; the stale entry stays.
    this.#loads.do(key, (flight) => this.#runLoad(key, options, frozen, flight, true)).catch(ignore)
  }

  /**
   * Waits for the (shared) load of `key`. With an entry within grace at hand, a failed load, or one slower than
   * `softTimeout`, serves that entry instead; past its own `timeout` a caller gives up with CacheTimeoutError.
   */
  async #load<T>(
    key: string,
    options: SwrOptions<T>,
    policy: EntryPolicy,
    grace: CacheEntry | undefined,
    graceTier: Tier | undefined,
  ): Promise<T> {
    const joined = this.#loads.has(key)
    const load = this.#loads.do(key, (flight) =>
      this.#runLoad(key, options, policy, flight, false),
    ) as Promise<T>
    const softMs =
      grace !== undefined && options.softTimeout !== undefined
        ? toMs(options.softTimeout, 'softTimeout')
        : undefined
    // The load that this call started carries its timeout; a caller who joined another's load keeps its own.
    const hardMs = joined && options.timeout !== undefined ? toMs(options.timeout, 'timeout') : undefined
    try {
      const outcome =
        softMs === undefined && hardMs === undefined ? await load : await waitFor(load, key, softMs, hardMs)
      if (outcome !== SOFT_TIMEOUT) return outcome as T
      // The load goes on and still writes its result; if it fails, nobody is waiting, so report it.
      load.catch((error: unknown) => this.#report(error, 'load', undefined, key))
    } catch (error) {
      if (grace === undefined || this.#now() >= grace.graceUntil) throw error
      this.#report(error, 'load', undefined, key)
    }
    this.#countHit(key, graceTier as Tier, 'stale')
    return (grace as CacheEntry).value as T
  }

  async #runLoad<T>(
    key: string,
    options: SwrOptions<T>,
    policy: EntryPolicy,
    flight: Flight,
    background: boolean,
  ): Promise<T> {
    // A call that began before close() and reaches its load after it must not start new work.
    if (this.#closed) throw new CacheClosedError()
    const context = new LoadContext(options.queryKey, key)
    this.#running.add(context)
    this.#loadCount++
    const started = performance.now()
    let timer: NodeJS.Timeout | undefined
    try {
      let value: T
      const loading = options.queryFn(context)
      if (options.timeout === undefined) {
        value = await loading
      } else {
        const timeoutMs = toMs(options.timeout, 'timeout')
        value = await new Promise<T>((resolve, reject) => {
          timer = setTimeout(() => {
            const error = new CacheTimeoutError(key, timeoutMs)
            context.abort(error)
            reject(error)
          }, timeoutMs)
          Promise.resolve(loading).then(resolve, reject)
        })
      }
      // undefined means "nothing to cache": it is returned, never stored. A forgotten flight lost to an
      // invalidation that came after it started, so its older value must not overwrite the newer state.
      if (value !== undefined && !flight.forgotten && !this.#closed) {
        const now = this.#now()
        const written = writeTiers(
          this.#tiers,
          key,
          makeEntry(value, policy, now),
          now,
          this.#tiers.length,
          false,
        )
        if (written !== undefined) await written
      }
      if (this.#emitter.listeners.load !== undefined) {
        this.#emitter.emit('load', { key, durationMs: performance.now() - started, background })
      }
      return value
    } catch (error) {
      this.#loadErrors++
      if (this.#emitter.listeners.load !== undefined) {
        this.#emitter.emit('load', { key, durationMs: performance.now() - started, background, error })
      }
      if (background) this.#report(error, 'load', undefined, key)
      throw error
    } finally {
      if (timer !== undefined) clearTimeout(timer)
      this.#running.delete(context)
    }
  }

  /** A set, delete or clear wins over reads and loads already running for the key. */
  #supersede(key: string): void {
    this.#reads.forget(key)
    this.#loads.forget(key)
  }

  #countHit(key: string, tier: Tier, state: 'fresh' | 'stale'): void {
    if (state === 'fresh') this.#hits++
    else this.#staleHits++
    if (this.#emitter.listeners.hit !== undefined) this.#emitHit(key, tier, state)
  }

  #emitHit(key: string, tier: Tier, state: 'fresh' | 'stale'): void {
    this.#emitter.emit('hit', { key, tier: tier.name, state })
  }

  #miss(key: string): void {
    this.#misses++
    if (this.#emitter.listeners.miss !== undefined) this.#emitter.emit('miss', { key })
  }

  #report(error: unknown, operation: CacheEvents['error']['operation'], tier?: string, key?: string): void {
    if (error instanceof CacheStoreError) this.#storeErrors++
    const event: CacheEvents['error'] = { error, operation }
    if (tier !== undefined) event.tier = tier
    if (key !== undefined) event.key = key
    if (operation !== 'listener') this.#emitter.emit('error', event)
    if (this.#onError === undefined) return
    try {
      this.#onError(error, event)
    } catch {
      // onError is the last place a failure can go; one that throws is dropped rather than crash the caller.
    }
  }
}

/** Waits for `load`, giving SOFT_TIMEOUT after `softMs` or rejecting with CacheTimeoutError after `hardMs`. */
function waitFor<T>(
  load: Promise<T>,
  key: string,
  softMs: number | undefined,
  hardMs: number | undefined,
): Promise<T | typeof SOFT_TIMEOUT> {
  return new Promise<T | typeof SOFT_TIMEOUT>((resolve, reject) => {
    const soft = softMs === undefined ? undefined : setTimeout(() => resolve(SOFT_TIMEOUT), softMs)
    const hard =
      hardMs === undefined ? undefined : setTimeout(() => reject(new CacheTimeoutError(key, hardMs)), hardMs)
    const stop = () => {
      if (soft !== undefined) clearTimeout(soft)
      if (hard !== undefined) clearTimeout(hard)
    }
    load.then(
      (value) => {
        stop()
        resolve(value)
      },
      (error: unknown) => {
        stop()
        reject(error)
      },
    )
  })
}
