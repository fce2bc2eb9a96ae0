// TieredCache: the public API, its argument checks and close(). Tiers stacked fastest first are read through with
// backfill (read-path) and written in call order (tier, write-path); the per-key rules of swr and swrMany live in
// key-flow, loads with the fleet's lease in loads, the receiving side of the bus in bus-receiver; tags invalidate
// in O(1) (tag-stamps). docs/ARCHITECTURE.md is the map.

import { FailureBackoff } from './backoff.js'
import { BusLink } from './bus-link.js'
import { BusReceiver } from './bus-receiver.js'
import { checkLoadOptions, ManyKeyCall, OneKeyCall } from './call.js'
import type { CircuitStats } from './circuit-breaker.js'
import { operationTraced, publishCircuit, traceOperation, traceOperations } from './diagnostics.js'
import { type EngineParts, supersede } from './engine-parts.js'
import { makeEntry, Policies } from './entry-policy.js'
import { CacheClosedError, type CacheFleetError } from './errors.js'
import type { CacheEventName, CacheListener } from './events.js'
import { Flights } from './flights.js'
import { KeyFlow } from './key-flow.js'
import { Landings } from './landings.js'
import { Lease } from './lease.js'
import { Loads } from './loads.js'
import { CacheNamespace } from './namespace.js'
import {
  type CallDefaults,
  type ResolvedOptions,
  resolveOptions,
  type TieredCacheOptions,
} from './options.js'
import { toKey } from './query-key.js'
import { ReadPath } from './read-path.js'
import { Reporting } from './reporting.js'
import { TagStamps } from './tag-stamps.js'
import type { Tier, TierHost, TierStats } from './tier.js'
import type { EntryOptions, QueryKey, SwrManyOptions, SwrOptions } from './types.js'
import { expireIn, invalidateTiers, writeTiers } from './write-path.js'

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
  /**
   * Misses answered from an entry within grace without calling queryFn, because a load of the key failed within
   * `failureBackoff` (also counted in staleHits).
   */
  backoffHits: number
  /** Each tier's circuit. */
  tiers: TierStats[]
  /** The lock's circuit, when the cache has a lock. */
  lock?: CircuitStats
  /** The bus's circuit (its publishes), when the cache has a bus. */
  bus?: CircuitStats
}

const ignore = (): void => {}
/** swr's hidden second argument: the call is already traced. */
const TRACED: unique symbol = Symbol('traced')
type Swr<T> = (options: SwrOptions<T>, traced: typeof TRACED) => Promise<T>

export class TieredCache {
  /** Names the cache in diagnostics. */
  readonly name: string
  readonly #parts: EngineParts
  readonly #tiers: readonly Tier[]
  readonly #policies: Policies
  readonly #now: () => number
  readonly #reporting: Reporting
  readonly #reader: ReadPath
  readonly #flow: KeyFlow
  /** defaultTimeout, defaultSoftTimeout and failureBackoff: what a call that sets none of its own runs with. */
  readonly #callDefaults: CallDefaults
  #subscribed: Promise<void> | undefined = undefined
  #closing: Promise<void> | undefined = undefined

  constructor(options: TieredCacheOptions) {
    const reporting = new Reporting(options?.onError)
    const host: TierHost = {
      cache: 'default',
      now: () => this.#now(),
      report: (error) => reporting.report(error, error.operation, error.tier, error.key),
      circuitOpened: (tier, operations, failures, retryAt) => {
        publishCircuit(this.name, tier, operations, 'open')
        reporting.emitter.emit('circuit-open', { part: 'tier', tier, operations, failures, retryAt })
      },
      circuitClosed: (tier, operations) => {
        publishCircuit(this.name, tier, operations, 'closed')
        reporting.emitter.emit('circuit-close', { part: 'tier', tier, operations })
      },
    }
    const resolved: ResolvedOptions = resolveOptions(options, host)
    this.name = resolved.name
    host.cache = resolved.name
    const tiers = resolved.tiers
    const now = resolved.now
    const defaults = resolved.defaults
    this.#tiers = tiers
    this.#policies = new Policies(defaults)
    this.#now = now
    this.#reporting = reporting
    this.#callDefaults = resolved.calls
    const firstShared = tiers.findIndex((tier) => !tier.local)
    let bus: BusLink | undefined
    const stamps = new TagStamps(
      tiers,
      {
        now,
        tagTtl: defaults.tagTtl,
        // A stamp that landed late: the other processes may have read the tier without it meanwhile.
        landed: (tags) => bus?.tags(tags),
      },
      resolved.bus !== undefined,
    )
    this.#reader = new ReadPath(tiers, stamps, {
      now,
      report: (error, tier, key) => reporting.report(error, 'get', tier, key),
    })
    const fleetPart = (part: 'bus' | 'lock') => ({
      now,
      report: (error: CacheFleetError) => reporting.report(error, error.part),
      // On tiered:circuit the lock and the bus are named as a tier; what they send Redis (SET NX, PUBLISH) are writes.
      opened: (failures: number, retryAt: number) => {
        publishCircuit(resolved.name, part, 'writes', 'open')
        reporting.emitter.emit('circuit-open', { part, failures, retryAt })
      },
      closed: () => {
        publishCircuit(resolved.name, part, 'writes', 'closed')
        reporting.emitter.emit('circuit-close', { part })
      },
    })
    const parts: EngineParts = {
      name: resolved.name,
      tiers,
      defaults,
      now,
      reporting,
      reader: this.#reader,
      stamps,
      bus: undefined,
      lease:
        resolved.lock === undefined
          ? undefined
          : new Lease(resolved.lock, fleetPart('lock'), resolved.storeTimeoutMs, resolved.circuit),
      lockTtlMs: resolved.lockTtlMs,
      firstShared: firstShared === -1 ? tiers.length : firstShared,
      flights: new Flights(),
      landings: new Landings(),
      running: new Set(),
      backoff: new FailureBackoff(),
      expiring: new Map(),
      closed: false,
    }
    if (resolved.bus !== undefined) {
      const receiver = new BusReceiver(parts)
      bus = new BusLink(
        resolved.bus,
        {
          cache: resolved.name,
          ...fleetPart('bus'),
          received: (message) => receiver.received(message),
          gap: () => receiver.gap(),
        },
        resolved.storeTimeoutMs,
        resolved.circuit,
      )
      ;(parts as { bus: BusLink | undefined }).bus = bus
      this.#subscribed = bus.start()
    }
    this.#parts = parts
    this.#flow = new KeyFlow(parts, new Loads(parts))
  }

  /** Settles once the bus subscription is in place (or failed, reported); immediately without a bus. */
  ready(): Promise<void> {
    return this.#subscribed ?? Promise.resolve()
  }

  /**
   * The value for `queryKey`: fresh from the nearest tier, stale at once while one background load refreshes it,
   * or loaded once however many callers ask together.
   */
  swr<T>(options: SwrOptions<T>): Promise<T>
  swr<T>(options: SwrOptions<T>, traced?: typeof TRACED): Promise<T> {
    // Traced on tiered:operation while somebody subscribes (the traced call comes back here with `traced` set); the
    // other public calls are wrapped (see the end). One method, so that the hot path is one frame.
    if (traced !== TRACED && operationTraced())
      return traceOperation(this.name, 'swr', options, () => (this.swr as Swr<T>)(options, TRACED))
    let key: string
    let policy: ReturnType<Policies['resolve']>
    try {
      if (this.#parts.closed) throw new CacheClosedError()
      checkLoadOptions(options)
      key = toKey(options.queryKey)
      policy = this.#policies.resolve(options)
    } catch (error) {
      return Promise.reject(error)
    }
    if (options.forceFresh !== true) {
      // The hot path: a fresh hit in a synchronous nearest tier costs one resolved promise.
      const nearest = this.#reader.freshNearest(key, this.#now(), options.schema)
      if (nearest !== undefined) {
        this.#reporting.hit(key, (this.#tiers[0] as Tier).name, 'fresh')
        return Promise.resolve(nearest.value as T)
      }
    }
    return this.#flow.one(
      new OneKeyCall(options as SwrOptions<unknown>, key, policy, this.#callDefaults),
      key,
    ) as Promise<T>
  }

  /**
   * Many keys at once: hits from one batched read, every miss from one `queryFn` call that answers in the same
   * order, stale keys served and refreshed by one background call. Every rule of swr holds per key.
   */
  async swrMany<T>(options: SwrManyOptions<T>): Promise<(T | undefined)[]> {
    if (this.#parts.closed) throw new CacheClosedError()
    const call = new ManyKeyCall(options as SwrManyOptions<unknown>, this.#policies, this.#callDefaults)
    return (await this.#flow.many(call, call.keys, call.unique)) as (T | undefined)[]
  }

  /** The cached value while `now < expiresAt`, else undefined. Reads through the tiers and backfills. */
  async get<T>(queryKey: QueryKey): Promise<T | undefined> {
    if (this.#parts.closed) throw new CacheClosedError()
    const key = toKey(queryKey)
    const found = await this.#reader.find(key, undefined)
    if (found.entry === undefined) {
      this.#reporting.miss(key)
      return undefined
    }
    const state = this.#now() < found.entry.freshUntil ? 'fresh' : 'stale'
    this.#reporting.hit(key, (this.#tiers[found.index] as Tier).name, state)
    return found.entry.value as T
  }

  /** Writes `value` to every tier; wins over any load of the same key already running. */
  async set<T>(queryKey: QueryKey, value: T, options: EntryOptions = {}): Promise<void> {
    const parts = this.#parts
    if (parts.closed) throw new CacheClosedError()
    const key = toKey(queryKey)
    const policy = this.#policies.resolve(options)
    if (value === undefined) throw new TypeError('undefined cannot be cached; use delete() to remove a key')
    supersede(parts, key)
    const now = this.#now()
    const entry = makeEntry(value, policy, parts.stamps.created(now), now, parts.defaults.tagTtl)
    await writeTiers(this.#tiers, key, entry, now)
    await parts.bus?.key('set', key)
  }

  /**
   * Whether a live entry for `queryKey` (now < expiresAt, not invalidated by a tag) exists in any tier. Loads
   * nothing, writes nothing into the tiers above the one that has it, and counts no hit or miss.
   */
  async has(queryKey: QueryKey): Promise<boolean> {
    if (this.#parts.closed) throw new CacheClosedError()
    return this.#reader.has(toKey(queryKey))
  }

  /** Removes `key` from every tier; rejects with an AggregateError naming the tiers that failed. */
  async delete(queryKey: QueryKey): Promise<void> {
    if (this.#parts.closed) throw new CacheClosedError()
    const key = toKey(queryKey)
    await this.#remove([key], `delete of "${key}"`)
  }

  /**
   * Removes every key of `queryKeys` from every tier, with one batched delete per tier (the store's deleteMany) and
   * one bus notice naming them all; loads of those keys running now are superseded. Rejects with an AggregateError
   * naming the tiers that failed.
   */
  async deleteMany(queryKeys: readonly QueryKey[]): Promise<void> {
    if (this.#parts.closed) throw new CacheClosedError()
    if (!Array.isArray(queryKeys)) throw new TypeError('deleteMany takes an array of query keys')
    // Every key is checked before anything is removed: a bad one removes nothing.
    const keys = [...new Set(queryKeys.map((queryKey) => toKey(queryKey)))]
    if (keys.length > 0) await this.#remove(keys, `deleteMany of ${keys.length} keys`)
  }

  /**
   * Expires `key` everywhere: the entry stays as a grace fallback, served only when the reload fails. Rejects
   * with an AggregateError naming the tiers that failed.
   */
  async expire(queryKey: QueryKey): Promise<void> {
    const parts = this.#parts
    if (parts.closed) throw new CacheClosedError()
    const key = toKey(queryKey)
    supersede(parts, key)
    // A set, delete, expire or clear of the key issued after this one wins: the expired copy is not written over it.
    const token = {}
    parts.expiring.set(key, token)
    const current = () => parts.expiring.get(key) === token
    try {
      await invalidateTiers(this.#tiers, `expire of "${key}"`, (tier) =>
        expireIn(tier, key, { now: this.#now, soft: true, strict: true, current }),
      )
    } finally {
      if (current()) parts.expiring.delete(key)
      await parts.bus?.key('expire', key)
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
    const parts = this.#parts
    if (parts.closed) throw new CacheClosedError()
    parts.reader.forgetAll()
    parts.flights.supersedeAll()
    parts.expiring.clear()
    parts.backoff.clearAll()
    try {
      await invalidateTiers(this.#tiers, 'clear', (tier) => tier.clear())
    } finally {
      await parts.bus?.clear()
    }
  }

  /**
   * Aborts running loads (their callers reject with CacheClosedError), closes every tier, the bus and the lock,
   * and refuses further calls. Every call resolves once all of that is done. Failures are reported.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing
    const parts = this.#parts
    parts.closed = true
    parts.reader.forgetAll()
    parts.flights.supersedeAll()
    for (const context of parts.running) context.abort(new CacheClosedError())
    parts.landings.wakeAll()
    parts.stamps.close()
    const closing: Promise<unknown>[] = []
    for (const tier of this.#tiers) {
      const closed = tier.close()
      if (closed !== undefined) closing.push(closed)
    }
    const bus = parts.bus?.close()
    if (bus !== undefined) closing.push(Promise.resolve(bus))
    const lock = parts.lease?.close()
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
    const reporting = this.#reporting
    return {
      hits: reporting.hits,
      staleHits: reporting.staleHits,
      misses: reporting.misses,
      loads: reporting.loads,
      loadErrors: reporting.loadErrors,
      storeErrors: reporting.storeErrors,
      backoffHits: reporting.backoffHits,
      tiers: this.#tiers.map((tier) => tier.stats()),
      ...(this.#parts.lease === undefined ? {} : { lock: this.#parts.lease.stats() }),
      ...(this.#parts.bus === undefined ? {} : { bus: this.#parts.bus.stats() }),
    }
  }

  /** delete and deleteMany: supersede what runs for the keys, remove them from every tier, announce them. */
  async #remove(keys: readonly string[], what: string): Promise<void> {
    const parts = this.#parts
    for (const key of keys) supersede(parts, key)
    try {
      await invalidateTiers(this.#tiers, what, (tier) => tier.deleteMany(keys))
    } finally {
      // One tick's notices go out as one message.
      const bus = parts.bus
      if (bus !== undefined) await Promise.all(keys.map((key) => bus.key('delete', key)))
    }
  }

  async #invalidateTags(tags: readonly string[], hard: boolean): Promise<void> {
    const parts = this.#parts
    if (parts.closed) throw new CacheClosedError()
    if (
      !Array.isArray(tags) ||
      tags.length === 0 ||
      tags.some((tag) => typeof tag !== 'string' || tag === '')
    ) {
      throw new TypeError('tags must be a non-empty array of non-empty strings')
    }
    // Loads running now started before the stamp: their entries carry an older createdAt and lose to it, and no
    // caller may join them from now on.
    parts.flights.supersedeTagged(tags)
    try {
      await parts.stamps.invalidate(tags, hard)
    } finally {
      await parts.bus?.tags(tags)
    }
  }
}

// Every public operation is traced on `tiered:operation` while somebody subscribes (swr checks in its body).
traceOperations(TieredCache.prototype, [
  'swrMany',
  'get',
  'set',
  'delete',
  'expire',
  'clear',
  'deleteByTag',
  'expireByTag',
])
