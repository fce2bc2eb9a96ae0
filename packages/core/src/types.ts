// The public shapes of tiered: the store contract every tier implements, the fleet's bus and lock, and the options
// a caller passes.

import type { StandardSchemaV1 } from './standard-schema.js'

export type MaybePromise<T> = T | Promise<T>

/** Milliseconds, or a string such as `'250ms'`, `'2s'`, `'5m'`, `'1h'`, `'7d'`. */
export type Duration = number | `${number}ms` | `${number}s` | `${number}m` | `${number}h` | `${number}d`

/**
 * What every tier stores under a key: the value and the instants that decide how it may be served. The instants are
 * always finite numbers: one that never comes (`ttl: Infinity`) is `FOREVER`, so every format carries it.
 */
export interface CacheEntry<T = unknown> {
  value: T
  /** Epoch ms the value was produced. */
  createdAt: number
  /** Epoch ms; after it the value is stale. */
  freshUntil: number
  /** Epoch ms; after it the value is expired. */
  expiresAt: number
  /** Epoch ms, `>= expiresAt`; the entry is kept until then and served only if a load fails. */
  graceUntil: number
  /** Set when the entry was written with tags; a store keeps it as it keeps the value. */
  tags?: readonly string[]
}

/** One item of `setMany`. */
export interface StoreWrite {
  key: string
  entry: CacheEntry
  /** Whole milliseconds, `>= 1`, or `Infinity`: how long the store keeps the entry (Infinity: no expiry). */
  ttlMs: number
}

/**
 * One tier of the cache. A synchronous tier (memory) returns plain values and keeps the hot path free of awaits.
 *
 * What the engine guarantees a store: `ttlMs` is an integer `>= 1`, or `Infinity` for an entry that never expires
 * (`ttl: Infinity`: keep it with no expiry until it is deleted or evicted); a value is never `undefined`; keys are
 * compared byte for byte (case matters); calls of one key arrive in the order the application made them. What a
 * store must do: throw (or reject with) an error whose `code` is `'TIERED_SERIALIZATION'` for a value it cannot
 * encode or bytes it cannot decode; never close a client it was given; fail at once, without queueing, while its
 * client knows it is disconnected. See docs/writing-a-store.md.
 */
export interface CacheStore {
  /** Unique among the tiers of one cache; names the tier in events, errors and stats. */
  readonly name: string
  /** True when the store is private to this process (memory): the fleet's bus keeps it true. */
  readonly local?: boolean
  /**
   * The entry under `key` as it was set, or undefined once the `ttlMs` it was set with has passed. Expire by
   * `ttlMs`, never by the entry's dates: they follow the cache's clock (`now`, maybe a test clock), and the engine
   * itself treats an entry past `graceUntil` as a miss.
   */
  get(key: string): MaybePromise<CacheEntry | undefined>
  /**
   * Stores `entry` under `key` for `ttlMs` (an integer >= 1), replacing what was there. `ttlMs` Infinity: keep it
   * with no expiry (Redis: no PX/EX; Keyv: no ttl); its instants then hold FOREVER, a finite number.
   */
  set(key: string, entry: CacheEntry, ttlMs: number): MaybePromise<void>
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): MaybePromise<void>
  /** Entries for `keys`, in order; undefined where missing. */
  getMany?(keys: readonly string[]): MaybePromise<(CacheEntry | undefined)[]>
  /**
   * Stores every item, each once. Items whose value cannot be encoded are left out; once the others are written
   * it rejects with a `'TIERED_SERIALIZATION'` error whose `keys` lists the ones left out.
   */
  setMany?(items: readonly StoreWrite[]): MaybePromise<void>
  /**
   * Optional: writes as `set` does and, in the same round trip, ends `lease` if its token still holds it, for a
   * store that shares its connection with the lock that granted the lease (DESIGN "Fleet", rule 7). Gives true
   * when it ended the lease (or found it no longer held), false when it only wrote: the cache then releases the
   * lease through the lock.
   */
  setAndRelease?(key: string, entry: CacheEntry, ttlMs: number, lease: HeldLease): MaybePromise<boolean>
  /** Removes every key in `keys`. */
  deleteMany?(keys: readonly string[]): MaybePromise<void>
  /** Removes every entry this store wrote (its prefix), nothing else. */
  clear?(): MaybePromise<void>
  /** Releases what the store made itself (timers, subscriptions); never closes a client it was given. */
  close?(): MaybePromise<void>
}

/** A notice sent between the caches of a fleet. Small: it names keys or tags, never values. */
export interface BusMessage {
  readonly type: 'set' | 'delete' | 'expire' | 'clear' | 'tags'
  /** For set, delete and expire. */
  readonly keys?: readonly string[]
  /** For tags (deleteByTag / expireByTag). */
  readonly tags?: readonly string[]
  /** Id of the sending TieredCache; a cache ignores its own messages. */
  readonly origin: string
}

/** What the cache gives a bus to deliver to. */
export interface BusHandlers {
  /** A message from any cache on the bus (this one's own included: the cache filters by `origin`). */
  message(message: BusMessage): void
  /** Messages may have been lost (the subscriber reconnected): the cache clears its local tiers. */
  gap(): void
  /**
   * The subscription dropped: messages are lost until `gap()` says it is back. Optional for a bus to call; meanwhile
   * the cache does not wait for notices (a process waiting for another's lease polls the shared tiers).
   */
  lost?(): void
  /** Something the bus could not deliver (an undecodable message, a subscriber error): reported, never thrown. */
  error?(error: unknown): void
}

/** Carries notices between the processes of a fleet, so every `local` tier stays true. */
export interface CacheBus {
  publish(message: BusMessage): MaybePromise<void>
  subscribe(handlers: BusHandlers): MaybePromise<void>
  /**
   * Optional: a cheap round trip to the bus (Redis `PING`), the probe of an open circuit. Without it the probe is a
   * notice about a key no cache holds.
   */
  ping?(): MaybePromise<void>
  /** Unsubscribes; never closes a client it was given. */
  close?(): MaybePromise<void>
}

/** A lease per key across a fleet, so that one process loads a cold key. */
/** A lease the cache holds: the lock that granted it, the key and the token. */
export interface HeldLease {
  readonly lock: CacheLock
  readonly key: string
  readonly token: string
}

export interface CacheLock {
  /** A token when this caller now holds the lease for `ttlMs`, or undefined while another holds it. */
  acquire(key: string, ttlMs: number): MaybePromise<string | undefined>
  /** Ends the lease if `token` still holds it. */
  release(key: string, token: string): MaybePromise<void>
  close?(): MaybePromise<void>
}

export type QueryKey = string | readonly (string | number | boolean)[]

/** The lifetime a value may choose for itself from inside `queryFn`. */
export interface LoadOptions {
  ttl?: Duration
  fresh?: Duration
  staleIfError?: Duration
  tags?: readonly string[]
}

/** The entry a load refreshes or replaces: its value and when that value was produced. */
export interface StaleValue {
  /** The cached value (`unknown`: the loader knows its type; cast it). */
  readonly value: unknown
  /** Epoch ms the value was produced (the entry's `createdAt`), e.g. for `If-Modified-Since`. */
  readonly createdAt: number
}

export interface QueryFunctionContext {
  /**
   * Aborted when the load's `timeout` elapses or the cache closes. An invalidation during the load does not abort
   * it: its value is returned to the callers waiting for it but not written.
   */
  readonly signal: AbortSignal
  /** The key as the caller gave it. */
  readonly queryKey: QueryKey
  /** The normalised string key the value is stored under. */
  readonly key: string
  /**
   * The entry this load refreshes (it was stale) or replaces (it expired, or a tag expired it, and is still within
   * its `staleIfError` grace); undefined for a load with no entry at hand. For a conditional refresh: send
   * `If-None-Match`, and on 304 return `stale.value` (with `setOptions` for a new lifetime).
   */
  readonly stale?: StaleValue | undefined
  /**
   * Lets the value choose its own lifetime (a `null` "not found" for 10 s, a found value for 5 min). A `ttl`
   * shorter than the call's `fresh` shortens `fresh` with it. Call it before returning.
   */
  setOptions(options: LoadOptions): void
}

export type QueryFunction<T> = (context: QueryFunctionContext) => T | PromiseLike<T>

export interface EntryOptions {
  /**
   * How long the entry lives; after it the value is expired. Defaults to the cache's `defaultTtl`. `Infinity`: never
   * expires (still evicted by a memory tier's bounds, still invalidated by tags; a tagged entry lives `tagTtl`).
   */
  ttl?: Duration
  /** How long the value is fresh; after it the value is stale and served while one refresh runs. Default: `ttl`. */
  fresh?: Duration
  /** How long past `ttl` the entry is kept, served only when a load fails. Defaults to 0; `Infinity`: forever. */
  staleIfError?: Duration
  /** Tags for `deleteByTag` / `expireByTag`. */
  tags?: readonly string[]
}

export interface LoadCallOptions extends EntryOptions {
  /** A load slower than this rejects with `CacheTimeoutError` (or serves an entry within grace) and is aborted. */
  timeout?: Duration
  /** With an entry within grace at hand, a load slower than this serves that entry and finishes in the background. */
  softTimeout?: Duration
  /**
   * Skip the cached value and load now: the value is loaded after the call began (concurrent forceFresh calls of
   * one tick share one load; none joins a load or refresh started earlier).
   */
  forceFresh?: boolean
  /**
   * After a load of the key fails and the call is answered from an entry within grace, later calls for the key serve
   * that entry without calling queryFn for this long (in this process). A call with no entry within grace still
   * loads; forceFresh ignores it. Default: the cache's `failureBackoff` ('5s').
   */
  failureBackoff?: Duration
}

export interface SwrOptions<T> extends LoadCallOptions {
  queryKey: QueryKey
  queryFn: QueryFunction<T>
  /** A Standard Schema (zod, valibot, arktype): values read from a shared tier are validated before use. */
  schema?: StandardSchemaV1<unknown, T>
}

export interface ManyQueryFunctionContext {
  readonly signal: AbortSignal
  /** The keys to load, as the caller gave them, in the order the answer must follow. */
  readonly queryKeys: readonly QueryKey[]
  /** Their stored string keys. */
  readonly keys: readonly string[]
  /** Aligned with `keys`: what each key's load refreshes or replaces, as `QueryFunctionContext.stale`. */
  readonly stale?: readonly (StaleValue | undefined)[]
  /** Lifetime for every value of this load. */
  setOptions(options: LoadOptions): void
}

export type ManyQueryFunction<T> = (
  context: ManyQueryFunctionContext,
) => readonly (T | undefined)[] | PromiseLike<readonly (T | undefined)[]>

export interface SwrManyOptions<T> extends LoadCallOptions {
  queryKeys: readonly QueryKey[]
  queryFn: ManyQueryFunction<T>
  schema?: StandardSchemaV1<unknown, T>
}
