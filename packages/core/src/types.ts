// The public shapes of tiered: the store contract every tier implements, and the options a caller passes.

export type MaybePromise<T> = T | Promise<T>

/** Milliseconds, or a string such as `'250ms'`, `'2s'`, `'5m'`, `'1h'`, `'7d'`. */
export type Duration = number | `${number}ms` | `${number}s` | `${number}m` | `${number}h` | `${number}d`

/** What every tier stores under a key: the value and the instants that decide how it may be served. */
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
}

/** One tier of the cache. A synchronous tier (memory) returns plain values and keeps the hot path free of awaits. */
export interface CacheStore {
  readonly name: string
  get(key: string): MaybePromise<CacheEntry | undefined>
  set(key: string, entry: CacheEntry, ttlMs: number): MaybePromise<void>
  delete(key: string): MaybePromise<void>
  getMany?(keys: readonly string[]): MaybePromise<(CacheEntry | undefined)[]>
  setMany?(items: readonly { key: string; entry: CacheEntry; ttlMs: number }[]): MaybePromise<void>
  deleteMany?(keys: readonly string[]): MaybePromise<void>
  clear?(): MaybePromise<void>
  close?(): MaybePromise<void>
}

export type QueryKey = string | readonly (string | number | boolean)[]

export interface QueryFunctionContext {
  /** Aborted when the load's `timeout` elapses or the cache closes. */
  signal: AbortSignal
  /** The normalised string key the value is stored under. */
  queryKey: string
}

export type QueryFunction<T> = (context: QueryFunctionContext) => T | PromiseLike<T>

export interface EntryOptions {
  /** How long the entry lives; after it the value is expired. Defaults to the cache's `defaultTtl`. */
  ttl?: Duration
  /** How long the value is fresh; after it the value is stale and served while one refresh runs. */
  fresh?: Duration
  /** How long past `ttl` the entry is kept, served only when a load fails. Defaults to 0. */
  staleIfError?: Duration
}

export interface SwrOptions<T> extends EntryOptions {
  queryKey: QueryKey
  queryFn: QueryFunction<T>
  /** A load slower than this rejects with `CacheTimeoutError` (or serves an entry within grace) and is aborted. */
  timeout?: Duration
  /** With an entry within grace at hand, a load slower than this serves that entry and finishes in the background. */
  softTimeout?: Duration
  /** Skip the cached value and load now (still deduplicated). */
  forceFresh?: boolean
}
