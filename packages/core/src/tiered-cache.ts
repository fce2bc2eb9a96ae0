// TieredCache: the public API. Tiers stacked fastest first, read through with backfill (read-path), written to all
// in call order (tier, write-path), swr on top with one load per key in the process (Singleflight) and, with a
// lock, one per fleet (lease); a bus keeps every local tier true (bus-link); tags invalidate in O(1) (tag-stamps).

import { BusLink } from './bus-link.js'
import type { CircuitStats } from './circuit-breaker.js'
import { toMs } from './duration.js'
import {
  type EntryPolicy,
  expiredCopy,
  makeEntry,
  Policies,
  type PolicyDefaults,
  withChosen,
} from './entry-policy.js'
import {
  CacheClosedError,
  type CacheFleetError,
  CacheStoreError,
  CacheTimeoutError,
  hasErrorCode,
} from './errors.js'
import type { CacheEventName, CacheEvents, CacheListener } from './events.js'
import { Landings } from './landings.js'
import { Lease, NO_LOCK } from './lease.js'
import { type AbortableLoad, LoadContext } from './load-context.js'
import { runQuery, SOFT_TIMEOUT, waitFor } from './load-runner.js'
import { CacheNamespace, ORIGINAL_KEY, type Scoped } from './namespace.js'
import { type ResolvedOptions, resolveOptions, type TieredCacheOptions } from './options.js'
import { toKey } from './query-key.js'
import { type Found, ReadPath } from './read-path.js'
import { type ErrorOperation, Reporting } from './reporting.js'
import { type Flight, Singleflight } from './singleflight.js'
import type { StandardSchemaV1 } from './standard-schema.js'
import { swrMany } from './swr-many.js'
import { TagStamps } from './tag-stamps.js'
import type { Tier, TierHost, TierStats } from './tier.js'
import type {
  BusMessage,
  CacheEntry,
  EntryOptions,
  MaybePromise,
  QueryKey,
  SwrManyOptions,
  SwrOptions,
} from './types.js'
import { invalidateTiers, writeTiers } from './write-path.js'

export type { TieredCacheOptions } from './options.js'

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
  /** The lock's circuit, when the cache has a lock. */
  lock?: CircuitStats
  /** The bus's circuit (its publishes), when the cache has a bus. */
  bus?: CircuitStats
}

/** What an internal load needs to know about the call that asked for it. */
export interface LoadCall<T> {
  queryKey: QueryKey
  queryFn: SwrOptions<T>['queryFn']
  timeout?: SwrOptions<T>['timeout']
  forceFresh?: boolean
  schema?: StandardSchemaV1 | undefined
}

/** Reaches the engine's internals from swrMany. */
const INTERNALS: unique symbol = Symbol('tiered internals')
const MISSING: unique symbol = Symbol('missing')
const ignore = (): void => {}
/** How often a process that waits for another's lease reads the shared tiers when no bus announces the value. */
const LEASE_POLL_MS = 50
/** With a bus, how often a waiter checks whether the lease lapsed (its holder died). */
const LEASE_RETRY_MS = 250

export class TieredCache {
  readonly #tiers: readonly Tier[]
  readonly #defaults: PolicyDefaults
  readonly #policies: Policies
  readonly #now: () => number
  readonly #reporting: Reporting
  readonly #reader: ReadPath
  readonly #stamps: TagStamps
  readonly #bus: BusLink | undefined
  readonly #lease: Lease | undefined
  readonly #lockTtlMs: number
  /** Index of the first tier that is not local: where a fleet's shared value lives. */
  readonly #firstShared: number
  readonly #reads = new Singleflight<Found>()
  readonly #loads = new Singleflight<unknown>()
  readonly #running = new Set<AbortableLoad>()
  /** The tags of running loads that carry some, so that a tag invalidation supersedes them. */
  readonly #taggedLoads = new Map<string, readonly string[]>()
  /** Keys whose expire() is between reading and rewriting the entry, with a token of that call. */
  readonly #expiring = new Map<string, object>()
  /** Waiters for another process's value, woken when the bus names their key. */
  readonly #landings = new Landings()
  #subscribed: Promise<void> | undefined = undefined
  #closing: Promise<void> | undefined = undefined
  #closed = false

  constructor(options: TieredCacheOptions) {
    this.#reporting = new Reporting(options?.onError)
    const host: TierHost = {
      now: () => this.#now(),
      report: (error) => this.#report(error, error.operation, error.tier, error.key),
      circuitOpened: (tier, operations, failures, retryAt) =>
        this.#reporting.emitter.emit('circuit-open', { part: 'tier', tier, operations, failures, retryAt }),
      circuitClosed: (tier, operations) =>
        this.#reporting.emitter.emit('circuit-close', { part: 'tier', tier, operations }),
    }
    const resolved: ResolvedOptions = resolveOptions(options, host)
    this.#tiers = resolved.tiers
    this.#defaults = resolved.defaults
    this.#policies = new Policies(resolved.defaults)
    this.#now = resolved.now
    this.#lockTtlMs = resolved.lockTtlMs
    const firstShared = this.#tiers.findIndex((tier) => !tier.local)
    this.#firstShared = firstShared === -1 ? this.#tiers.length : firstShared
    this.#stamps = new TagStamps(
      this.#tiers,
      {
        now: this.#now,
        tagTtl: this.#defaults.tagTtl,
        // A stamp that landed late: the other processes may have read the tier without it meanwhile.
        landed: (tags) => this.#bus?.tags(tags),
      },
      resolved.bus !== undefined,
    )
    this.#reader = new ReadPath(this.#tiers, this.#stamps, {
      now: this.#now,
      report: (error, tier, key) => this.#report(error, 'get', tier, key),
    })
    const fleetPart = (part: 'bus' | 'lock') => ({
      now: this.#now,
      report: (error: CacheFleetError) => this.#report(error, error.part),
      opened: (failures: number, retryAt: number) =>
        this.#reporting.emitter.emit('circuit-open', { part, failures, retryAt }),
      closed: () => this.#reporting.emitter.emit('circuit-close', { part }),
    })
    if (resolved.bus !== undefined) {
      this.#bus = new BusLink(
        resolved.bus,
        { ...fleetPart('bus'), received: (message) => this.#received(message), gap: () => this.#gap() },
        resolved.storeTimeoutMs,
        resolved.circuit,
      )
      this.#subscribed = this.#bus.start()
    }
    if (resolved.lock !== undefined)
      this.#lease = new Lease(resolved.lock, fleetPart('lock'), resolved.storeTimeoutMs, resolved.circuit)
  }

  /** Settles once the bus subscription is in place (or failed, reported); immediately without a bus. */
  ready(): Promise<void> {
    return this.#subscribed ?? Promise.resolve()
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
      if (typeof options?.queryFn !== 'function') throw new TypeError('queryFn must be a function')
      key = toKey(options.queryKey)
      policy = this.#policies.resolve(options)
      if (options.timeout !== undefined && toMs(options.timeout, 'timeout') <= 0) {
        throw new RangeError('timeout must be greater than 0')
      }
      if (options.softTimeout !== undefined) toMs(options.softTimeout, 'softTimeout')
    } catch (error) {
      return Promise.reject(error)
    }
    if (options.forceFresh === true) return this.#load(key, options, policy, undefined)
    const schema = options.schema
    // The hot path: a fresh hit in a synchronous nearest tier costs one resolved promise.
    const nearest = this.#reader.freshNearest(key, this.#now(), schema)
    if (nearest !== undefined) {
      this.#reporting.hit(key, (this.#tiers[0] as Tier).name, 'fresh')
      return Promise.resolve(nearest.value as T)
    }
    // Otherwise synchronous tiers answer in place, and the rest are read once for all callers of the key.
    const syncEnd = this.#syncEnd()
    const found = this.#reader.scan(key, 0, undefined, schema, syncEnd)
    if (found instanceof Promise)
      return found.then((near) => this.#swrBelow(key, options, policy, near, syncEnd))
    const entry = found.entry
    if (entry !== undefined) {
      if (this.#now() < entry.freshUntil) {
        this.#countHit(key, found.index, 'fresh')
      } else {
        this.#serveStale(key, found.index, options, policy)
      }
      return Promise.resolve(entry.value as T)
    }
    return this.#swrBelow(key, options, policy, found, syncEnd)
  }

  /**
   * Many keys at once: hits from one batched read, every miss from one `queryFn` call that answers in the same
   * order, stale keys served and refreshed by one background call.
   */
  swrMany<T>(options: SwrManyOptions<T>): Promise<(T | undefined)[]> {
    return swrMany(this[INTERNALS](), options)
  }

  /** The cached value while `now < expiresAt`, else undefined. Reads through the tiers and backfills. */
  async get<T>(queryKey: QueryKey): Promise<T | undefined> {
    if (this.#closed) throw new CacheClosedError()
    const key = toKey(queryKey)
    const found = await this.#find(key, undefined)
    if (found.entry === undefined) {
      this.#miss(key)
      return undefined
    }
    this.#countHit(key, found.index, this.#now() < found.entry.freshUntil ? 'fresh' : 'stale')
    return found.entry.value as T
  }

  /** Writes `value` to every tier; wins over any load of the same key already running. */
  async set<T>(queryKey: QueryKey, value: T, options: EntryOptions = {}): Promise<void> {
    if (this.#closed) throw new CacheClosedError()
    const key = toKey(queryKey)
    const policy = this.#policies.resolve(options)
    if (value === undefined) throw new TypeError('undefined cannot be cached; use delete() to remove a key')
    this.#supersede(key)
    const now = this.#now()
    const entry = makeEntry(value, policy, this.#stamps.created(now), now, this.#defaults.tagTtl)
    await writeTiers(this.#tiers, key, entry, now)
    await this.#bus?.key('set', key)
  }

  /** Removes `key` from every tier; rejects with an AggregateError naming the tiers that failed. */
  async delete(queryKey: QueryKey): Promise<void> {
    if (this.#closed) throw new CacheClosedError()
    const key = toKey(queryKey)
    this.#supersede(key)
    try {
      await invalidateTiers(this.#tiers, `delete of "${key}"`, (tier) => tier.remove(key))
    } finally {
      await this.#bus?.key('delete', key)
    }
  }

  /**
   * Expires `key` everywhere: the entry stays as a grace fallback, served only when the reload fails. Rejects
   * with an AggregateError naming the tiers that failed.
   */
  async expire(queryKey: QueryKey): Promise<void> {
    if (this.#closed) throw new CacheClosedError()
    const key = toKey(queryKey)
    this.#supersede(key)
    // A set, delete, expire or clear of the key issued after this one wins: the expired copy is not written over it.
    const token = {}
    this.#expiring.set(key, token)
    try {
      await invalidateTiers(this.#tiers, `expire of "${key}"`, (tier) =>
        this.#expireIn(tier, key, true, true, token),
      )
    } finally {
      if (this.#expiring.get(key) === token) this.#expiring.delete(key)
      await this.#bus?.key('expire', key)
    }
  }

  /** Every entry carrying one of `tags` and made until now becomes a miss, in every process. O(1) in entries. */
  deleteByTag(tags: readonly string[]): Promise<void> {
    return this.#invalidateTags(tags, true)
  }

  /** Every entry carrying one of `tags` and made until now is expired: served only if its reload fails. */
  expireByTag(tags: readonly string[]): Promise<void> {
    return this.#invalidateTags(tags, false)
  }

  /** A view whose keys live under `name` and whose clear() is one tag invalidation. Views nest. */
  namespace(name: string): CacheNamespace {
    return new CacheNamespace(this, [], name)
  }

  /** Empties every tier; rejects with an AggregateError naming the tiers that failed or cannot clear. */
  async clear(): Promise<void> {
    if (this.#closed) throw new CacheClosedError()
    this.#reads.forgetAll()
    this.#loads.forgetAll()
    this.#expiring.clear()
    try {
      await invalidateTiers(this.#tiers, 'clear', (tier) => tier.clear())
    } finally {
      await this.#bus?.clear()
    }
  }

  /**
   * Aborts running loads (their callers reject with CacheClosedError), closes every tier, the bus and the lock,
   * and refuses further calls. Every call resolves once all of that is done. Failures are reported.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing
    this.#closed = true
    this.#reads.forgetAll()
    this.#loads.forgetAll()
    for (const context of this.#running) context.abort(new CacheClosedError())
    this.#landings.wakeAll()
    this.#stamps.close()
    const closing: Promise<unknown>[] = []
    for (const tier of this.#tiers) {
      const closed = tier.close()
      if (closed !== undefined) closing.push(closed)
    }
    const bus = this.#bus?.close()
    if (bus !== undefined) closing.push(Promise.resolve(bus))
    const lock = this.#lease?.close()
    if (lock !== undefined) closing.push(lock)
    this.#closing = Promise.all(closing).then(ignore)
    return this.#closing
  }

  on<E extends CacheEventName>(event: E, listener: CacheListener<E>): this {
    this.#reporting.emitter.on(event, listener)
    return this
  }

  off<E extends CacheEventName>(event: E, listener: CacheListener<E>): this {
    this.#reporting.emitter.off(event, listener)
    return this
  }

  stats(): CacheStats {
    return {
      hits: this.#reporting.hits,
      staleHits: this.#reporting.staleHits,
      misses: this.#reporting.misses,
      loads: this.#reporting.loads,
      loadErrors: this.#reporting.loadErrors,
      storeErrors: this.#reporting.storeErrors,
      tiers: this.#tiers.map((tier) => tier.stats()),
      ...(this.#lease === undefined ? {} : { lock: this.#lease.stats() }),
      ...(this.#bus === undefined ? {} : { bus: this.#bus.stats() }),
    }
  }

  /** The pieces swrMany builds on; the symbol is not exported, so this is no part of the public API. */
  [INTERNALS](): CacheInternals {
    return {
      tiers: this.#tiers,
      defaults: this.#defaults,
      policies: this.#policies,
      now: this.#now,
      created: () => this.#stamps.created(this.#now()),
      reader: this.#reader,
      closed: () => this.#closed,
      find: (key, schema, batch) => this.#findNow(key, schema, batch),
      loads: this.#loads,
      countHit: (key, index, state) => this.#countHit(key, index, state),
      miss: (key) => this.#miss(key),
      report: (error, key) => this.#report(error, 'load', undefined, key),
      write: (key, entry, now) => this.#writeLoaded(key, entry, now),
      loadCount: (started, failed) => {
        this.#reporting.loads += started
        this.#reporting.loadErrors += failed
      },
      running: this.#running,
      loaded: (keys, durationMs, background, error) => {
        const emitter = this.#reporting.emitter
        if (emitter.listeners.load === undefined) return
        for (const key of keys) {
          const event: CacheEvents['load'] = { key, durationMs, background }
          if (error !== undefined) event.error = error
          emitter.emit('load', event)
        }
      },
      lease: this.#lease,
      leaseTtl: (options) => this.#leaseTtl(options),
      loadHeldElsewhere: (key, call, policy, flight) => this.#loadOnce(key, call, policy, flight, true),
    }
  }

  /** The number of leading tiers known to answer synchronously. */
  #syncEnd(): number {
    const tiers = this.#tiers
    let end = 0
    while (end < tiers.length && (tiers[end] as Tier).sync === true) end++
    return end
  }

  /** One scan of every tier: the synchronous ones in place, the rest shared by concurrent callers of the key. */
  #find(key: string, schema: StandardSchemaV1 | undefined): Promise<Found> {
    return Promise.resolve(this.#findNow(key, schema, false))
  }

  /** #find that answers in place while the synchronous tiers have the entry (swrMany's hits make no promise). */
  #findNow(key: string, schema: StandardSchemaV1 | undefined, batch: boolean): MaybePromise<Found> {
    const syncEnd = this.#syncEnd()
    const below = (near: Found) =>
      near.entry !== undefined || syncEnd === this.#tiers.length
        ? near
        : this.#findBelow(key, schema, near, syncEnd, batch)
    const near = this.#reader.scan(key, 0, undefined, schema, syncEnd)
    return near instanceof Promise ? near.then(below) : below(near)
  }

  #findBelow(
    key: string,
    schema: StandardSchemaV1 | undefined,
    near: Found,
    from: number,
    batch = false,
  ): Promise<Found> {
    const below =
      schema === undefined
        ? this.#reads.do(key, (flight) => this.#reader.scan(key, from, flight, undefined, undefined, batch))
        : Promise.resolve(this.#reader.scan(key, from, undefined, schema, undefined, batch))
    return below.then((far) => {
      if (near.grace === undefined || far.entry !== undefined) {
        return near.grace === undefined ? far : { ...far, grace: near.grace, graceIndex: near.graceIndex }
      }
      return near
    })
  }

  /** swr once the synchronous tiers missed: one shared read of the tiers below, then serve or load. */
  async #swrBelow<T>(
    key: string,
    options: SwrOptions<T>,
    policy: EntryPolicy,
    near: Found,
    from: number,
  ): Promise<T> {
    let found = near
    if (found.entry === undefined && from < this.#tiers.length) {
      found = await this.#findBelow(key, options.schema, near, from)
    }
    const entry = found.entry
    if (entry !== undefined) {
      if (this.#now() < entry.freshUntil) this.#countHit(key, found.index, 'fresh')
      else this.#serveStale(key, found.index, options, policy)
      return entry.value as T
    }
    this.#miss(key)
    return this.#load(key, options, policy, found)
  }

  /** Serves a stale entry and makes sure one background refresh runs. */
  #serveStale<T>(key: string, index: number, options: SwrOptions<T>, policy: EntryPolicy): void {
    this.#countHit(key, index, 'stale')
    if (this.#loads.has(key)) return
    // The refresh reports its own failure; the stale entry stays.
    this.#loads.do(key, (flight) => this.#refresh(key, index, options, policy, flight)).catch(ignore)
  }

  /**
   * A background refresh: first the tiers below the one that answered (another process may have refreshed the
   * key already), then, holding the fleet's lease if there is one (without waiting for it), a load.
   */
  async #refresh<T>(
    key: string,
    index: number,
    options: SwrOptions<T>,
    policy: EntryPolicy,
    flight: Flight,
  ): Promise<T | undefined> {
    const freshFrom = async (from: number): Promise<{ value: unknown } | undefined> => {
      if (from >= this.#tiers.length) return undefined
      const below = await this.#reader.scan(key, from, flight, options.schema)
      return below.entry !== undefined && this.#now() < below.entry.freshUntil
        ? { value: below.entry.value }
        : undefined
    }
    const lease = this.#lease
    // With a lease and a bus that delivers, a refresh made elsewhere is announced, and the notice supersedes this
    // flight: the shared tiers need no read, before the lease or after it (each would cost a Redis read per
    // refresh). Without them, the shared tiers are read before the lease and again after taking it.
    const announced = lease !== undefined && this.#bus?.delivering === true
    if (!announced) {
      const before = await freshFrom(index + 1)
      if (before !== undefined) return before.value as T
    }
    if (lease === undefined) return this.#runLoad(key, options, policy, flight, true)
    const token = await lease.acquire(key, this.#leaseTtl(options))
    // Another process holds the lease: it refreshes for the fleet.
    if (token === undefined) return undefined
    if (token === NO_LOCK) {
      const before = announced ? await freshFrom(index + 1) : undefined
      return before !== undefined ? (before.value as T) : this.#runLoad(key, options, policy, flight, true)
    }
    try {
      if (announced) {
        // Another process refreshed the key since this refresh began (its notice superseded the flight, and a
        // superseded load would write nothing): nothing to do.
        if (flight.forgotten) return undefined
      } else {
        // The lease may be free because another process refreshed the key since the read above: read the shared
        // tiers again, the one that answered included (a stale hit in Redis has no tier below it to ask).
        const after = await freshFrom(Math.max(index, this.#firstShared))
        if (after !== undefined) return after.value as T
      }
      return await this.#runLoad(key, options, policy, flight, true)
    } finally {
      lease.release(key, token)
    }
  }

  /**
   * Waits for the (shared) load of `key`. With an entry within grace at hand, a failed load, or one slower than
   * `softTimeout`, serves that entry instead; past its own `timeout` a caller gives up with CacheTimeoutError.
   */
  async #load<T>(
    key: string,
    options: SwrOptions<T>,
    policy: EntryPolicy,
    found: Found | undefined,
  ): Promise<T> {
    const joined = this.#loads.has(key)
    const load = this.#loads.do(key, (flight) => this.#loadOnce(key, options, policy, flight)) as Promise<T>
    const tags = policy.tags
    if (!joined && tags !== undefined) {
      // A tag invalidation while this load runs supersedes it, so that no caller joins an older value.
      this.#taggedLoads.set(key, tags)
      const done = () => {
        if (this.#taggedLoads.get(key) === tags) this.#taggedLoads.delete(key)
      }
      load.then(done, done)
    }
    const grace = found?.grace
    const softMs =
      grace !== undefined && options.softTimeout !== undefined
        ? toMs(options.softTimeout, 'softTimeout')
        : undefined
    // The load that this call started carries its timeout; a caller who joined another's load keeps its own, which
    // stops counting once the loader has its value.
    const hardMs = joined && options.timeout !== undefined ? toMs(options.timeout, 'timeout') : undefined
    try {
      const outcome =
        softMs === undefined && hardMs === undefined
          ? await load
          : await waitFor(load, key, softMs, hardMs, this.#loads.flight(key))
      if (outcome !== SOFT_TIMEOUT) return outcome as T
      // The load goes on and still writes its result; if it fails, nobody is waiting, so report it.
      load.catch((error: unknown) => this.#report(error, 'load', undefined, key))
    } catch (error) {
      if (grace === undefined || this.#now() >= grace.graceUntil || hasErrorCode(error, 'TIERED_CLOSED'))
        throw error
      this.#report(error, 'load', undefined, key)
    }
    this.#countHit(key, (found as Found).graceIndex, 'stale')
    return (grace as CacheEntry).value as T
  }

  /**
   * One load of `key` for this process. With a lock, one for the fleet: the holder of the lease loads; the others
   * wait for its value in the shared tiers and take the lease themselves if it ends with no value.
   */
  async #loadOnce<T>(
    key: string,
    options: LoadCall<T>,
    policy: EntryPolicy,
    flight: Flight,
    heldElsewhere = false,
  ): Promise<T> {
    const lease = this.#lease
    if (lease === undefined || options.forceFresh === true)
      return this.#runLoad(key, options, policy, flight, false)
    const ttl = this.#leaseTtl(options)
    const giveUpAt = performance.now() + (options.timeout === undefined ? ttl + this.#lockTtlMs : ttl)
    for (let attempt = 0; ; attempt++) {
      const asked = performance.now()
      // swrMany already tried the lease for this key and found it held elsewhere: wait for the holder first.
      const token = attempt === 0 && heldElsewhere ? undefined : await lease.acquire(key, ttl)
      if (token === NO_LOCK) return this.#runLoad(key, options, policy, flight, false)
      if (token !== undefined) {
        try {
          // The lease may have ended because its holder wrote the value just now.
          if (attempt > 0) {
            const landed = await this.#readShared(key, options.schema)
            if (landed !== MISSING) return landed as T
          }
          return await this.#runLoad(key, options, policy, flight, false)
        } finally {
          lease.release(key, token)
        }
      }
      const landed = await this.#waitForHolder(key, options.schema, giveUpAt, asked)
      if (landed !== MISSING) return landed as T
      if (this.#closed) throw new CacheClosedError()
      if (performance.now() >= giveUpAt) {
        if (options.timeout !== undefined) throw new CacheTimeoutError(key, toMs(options.timeout, 'timeout'))
        // The holder neither wrote nor released within the lease: load here rather than wait on.
        return this.#runLoad(key, options, policy, flight, false)
      }
    }
  }

  /** Waits until the bus names `key` (or a poll interval passes), then reads the shared tiers once. */
  async #waitForHolder(
    key: string,
    schema: StandardSchemaV1 | undefined,
    giveUpAt: number,
    asked: number,
  ): Promise<unknown> {
    // While the bus's circuit is open notices wait in a queue (here and, likely, in the holder): poll instead.
    const withBus = this.#bus?.delivering === true
    const waitMs = Math.max(
      0,
      Math.min(withBus ? LEASE_RETRY_MS : LEASE_POLL_MS, giveUpAt - performance.now()),
    )
    const announced = await this.#landings.wait(key, waitMs, asked)
    // With a bus, the shared tiers are read when the holder announces its value; without one, on every poll.
    if (withBus && !announced) return MISSING
    return this.#readShared(key, schema)
  }

  /** The live value of `key` in the shared tiers (backfilled above), or MISSING. */
  async #readShared(key: string, schema: StandardSchemaV1 | undefined): Promise<unknown> {
    const found = await this.#reader.scan(key, this.#firstShared, undefined, schema)
    return found.entry === undefined ? MISSING : found.entry.value
  }

  #leaseTtl(options: { timeout?: SwrOptions<unknown>['timeout'] }): number {
    return options.timeout === undefined ? this.#lockTtlMs : toMs(options.timeout, 'timeout')
  }

  async #runLoad<T>(
    key: string,
    options: LoadCall<T>,
    policy: EntryPolicy,
    flight: Flight,
    background: boolean,
  ): Promise<T> {
    // A call that began before close() and reaches its load after it must not start new work.
    if (this.#closed) throw new CacheClosedError()
    const context = new LoadContext((options as Scoped)[ORIGINAL_KEY] ?? options.queryKey, key)
    this.#running.add(context)
    this.#reporting.loads++
    const started = performance.now()
    const createdAt = this.#stamps.created(this.#now())
    try {
      const timeoutMs = options.timeout === undefined ? undefined : toMs(options.timeout, 'timeout')
      const value = await runQuery(options.queryFn, context, timeoutMs)
      ;(flight as { loaded?: boolean }).loaded = true
      // undefined means "nothing to cache": it is returned, never stored. A superseded flight lost to an
      // invalidation that came after it started, so its older value must not overwrite the newer state.
      if (value !== undefined && !flight.forgotten && !this.#closed) {
        const chosen =
          context.chosen === undefined ? policy : withChosen(policy, context.chosen, this.#defaults)
        const now = this.#now()
        const written = this.#writeLoaded(
          key,
          makeEntry(value, chosen, createdAt, now, this.#defaults.tagTtl),
          now,
        )
        if (written !== undefined) await written
      }
      this.#reporting.loaded({ key, durationMs: performance.now() - started, background }, false)
      return value
    } catch (error) {
      this.#reporting.loaded({ key, durationMs: performance.now() - started, background, error }, true)
      if (background) this.#report(error, 'load', undefined, key)
      throw error
    } finally {
      this.#running.delete(context)
    }
  }

  /** Writes a loaded entry to every tier (not waiting for a failing one) and announces it once written. */
  #writeLoaded(key: string, entry: CacheEntry, now: number): Promise<unknown> | undefined {
    const written = writeTiers(this.#tiers, key, entry, now, this.#tiers.length, false)
    const bus = this.#bus
    if (bus === undefined) return written
    // The load's callers do not wait for the notice: it goes out once the writes settled.
    if (written === undefined) {
      bus.key('set', key)
      return undefined
    }
    return written.then(() => {
      bus.key('set', key)
    })
  }

  /**
   * Rewrites the entry under `key` in `tier` as expired, kept for grace; removes it when its grace is over, and, for
   * an expire (`soft`), when it was written without a grace period (staleIfError): it has no fallback to offer.
   */
  #expireIn(tier: Tier, key: string, strict: boolean, soft = true, token?: object) {
    const expire = (entry: CacheEntry | undefined) => {
      if (entry === undefined) {
        // A read that failed hides the entry, not its removal: an expire that could not look is a failed one.
        if (!strict || !tier.failing) return undefined
        return new CacheStoreError(
          tier.name,
          'set',
          key,
          new Error('the entry could not be read to expire it'),
        )
      }
      // Superseded while the entry was read: a newer call's write or removal is already queued after the read.
      if (token !== undefined && this.#expiring.get(key) !== token) return undefined
      const now = this.#now()
      if (now >= entry.graceUntil || (soft && entry.graceUntil <= entry.expiresAt)) return tier.remove(key)
      return tier.write(key, expiredCopy(entry, now), Math.ceil(entry.graceUntil - now), strict)
    }
    const entry = tier.read(key)
    return entry instanceof Promise ? entry.then(expire) : expire(entry)
  }

  async #invalidateTags(tags: readonly string[], hard: boolean): Promise<void> {
    if (this.#closed) throw new CacheClosedError()
    if (
      !Array.isArray(tags) ||
      tags.length === 0 ||
      tags.some((tag) => typeof tag !== 'string' || tag === '')
    ) {
      throw new TypeError('tags must be a non-empty array of non-empty strings')
    }
    // Loads running now started before the stamp: their entries carry an older createdAt and lose to it, and no
    // caller may join them from now on.
    this.#supersedeTagged(tags)
    try {
      await this.#stamps.invalidate(tags, hard)
    } finally {
      await this.#bus?.tags(tags)
    }
  }

  /** A notice from another cache of the fleet. */
  #received(message: BusMessage): void {
    if (this.#closed) return
    switch (message.type) {
      case 'set':
      case 'expire':
      case 'delete':
        for (const key of message.keys ?? []) {
          this.#supersede(key)
          for (const tier of this.#tiers) {
            if (!tier.local) continue
            if (message.type === 'delete') tier.remove(key)
            else this.#expireIn(tier, key, false, message.type === 'expire')
          }
          this.#landings.wake(key)
        }
        return
      case 'clear':
        this.#clearLocal()
        return
      case 'tags':
        this.#stamps.drop(message.tags ?? [])
        this.#supersedeTagged(message.tags ?? [])
        return
    }
  }

  /** Notices may have been lost: nothing local can be trusted. */
  #gap(): void {
    if (!this.#closed) this.#clearLocal()
  }

  #clearLocal(): void {
    this.#reads.forgetAll()
    this.#loads.forgetAll()
    this.#stamps.dropAll()
    for (const tier of this.#tiers) if (tier.local) tier.clear()
    this.#landings.wakeAll()
  }

  /** Supersedes the running loads whose entries will carry one of `tags`. */
  #supersedeTagged(tags: readonly string[]): void {
    if (this.#taggedLoads.size === 0) return
    for (const [key, carried] of [...this.#taggedLoads]) {
      if (carried.some((tag) => tags.includes(tag))) {
        this.#taggedLoads.delete(key)
        this.#supersede(key)
      }
    }
  }

  /** A set, delete or clear wins over reads and loads already running for the key. */
  #supersede(key: string): void {
    this.#expiring.delete(key)
    this.#reads.forget(key)
    this.#loads.forget(key)
  }

  #countHit(key: string, index: number, state: 'fresh' | 'stale'): void {
    this.#reporting.hit(key, (this.#tiers[index] as Tier).name, state)
  }

  #miss(key: string): void {
    this.#reporting.miss(key)
  }

  #report(error: unknown, operation: ErrorOperation, tier?: string, key?: string): void {
    this.#reporting.report(error, operation, tier, key)
  }
}

/** What swrMany and namespace views use of a cache. */
export interface CacheInternals {
  tiers: readonly Tier[]
  defaults: PolicyDefaults
  policies: Policies
  now: () => number
  /** The createdAt of an entry whose load starts now (after every invalidation this process made). */
  created(): number
  reader: ReadPath
  closed(): boolean
  find(key: string, schema: StandardSchemaV1 | undefined, batch: boolean): MaybePromise<Found>
  loads: Singleflight<unknown>
  countHit(key: string, index: number, state: 'fresh' | 'stale'): void
  miss(key: string): void
  report(error: unknown, key: string | undefined): void
  write(key: string, entry: CacheEntry, now: number): Promise<unknown> | undefined
  loadCount(started: number, failed: number): void
  running: Set<AbortableLoad>
  /** A `load` event for each key of a bulk load that ended (with its error when it failed). */
  loaded(keys: readonly string[], durationMs: number, background: boolean, error: unknown): void
  /** The fleet's lease, when the cache has a lock. */
  lease: Lease | undefined
  leaseTtl(options: { timeout?: SwrOptions<unknown>['timeout'] }): number
  /** swr's load of one key whose lease another process holds: waits for its value, loads if none lands. */
  loadHeldElsewhere<T>(key: string, call: LoadCall<T>, policy: EntryPolicy, flight: Flight): Promise<T>
}
