// Any Keyv instance (keyv 5.6+ or 6.1+) as a tier: Keyv's own calls mapped onto CacheStore, with the entry as
// Keyv's value and the engine's ttl passed through. Failures Keyv would swallow are made rejections so that they
// are reported; values Keyv cannot encode are CacheSerializationErrors, which never count against the tier.

import {
  assertStorable,
  type CacheEntry,
  CacheSerializationError,
  type CacheStore,
  type StoreWrite,
} from '@tiered/core'
import { EmittedErrors } from './emitted-errors.js'
import {
  askToThrow,
  backendReadsMany,
  encodingFailure,
  isKeyvInstance,
  type KeyvInstance,
  prefixesLikeKeyv5,
  redisClientState,
} from './keyv-instance.js'
import { asSerializationError, entryFromRecord } from './stored-entry.js'

function checkTtl(ttlMs: number): number | undefined {
  // A forever entry (ttlMs Infinity) is written without a ttl, which Keyv keeps until it is deleted.
  if (ttlMs === Number.POSITIVE_INFINITY) return undefined
  // Keyv stores a ttl of 0 or undefined forever, and a past one as already expired: neither is what was asked.
  if (!(ttlMs > 0)) {
    throw new RangeError(`ttlMs must be a number of milliseconds > 0 (or Infinity: no expiry), got ${ttlMs}`)
  }
  // Backends such as Redis (PX) take whole milliseconds.
  return Math.ceil(ttlMs)
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export class KeyvStore implements CacheStore {
  readonly name: string
  /** True when the Keyv's backend is private to this process (an in-memory Map): a fleet's bus keeps it true. */
  readonly local: boolean
  /** The Keyv this tier writes to. The application owns it: the store never disconnects it. */
  readonly keyv: KeyvInstance
  /** Present when the Keyv's backend reads many keys in one call (Redis MGET); Keyv's fallback hides errors. */
  readonly getMany?: (keys: readonly string[]) => Promise<(CacheEntry | undefined)[]>
  readonly #emitted: EmittedErrors
  /** Whether the Redis client under the Keyv has been ready once: before that a not-ready client is connecting. */
  #clientWasReady = false

  constructor(name: string, keyv: KeyvInstance, options: KeyvStoreOptions = {}) {
    this.name = name
    this.local = options.local === true
    this.keyv = keyv
    // keyv 5 and @keyv/redis turn a failing backend into a silent miss, a `false` or a no-op unless told to
    // throw; keyv 6 only emits, and #emitted catches what it emits during the store's calls.
    askToThrow(keyv)
    this.#emitted = new EmittedErrors(keyv)
    if (backendReadsMany(keyv)) this.getMany = (keys) => this.#getMany(keys)
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    let record: unknown
    try {
      record = await this.#call(() => this.keyv.getRaw(this.#key(key)))
    } catch (error) {
      throw asSerializationError(error, key)
    }
    return entryFromRecord(record, key)
  }

  /** A value Keyv's serializer cannot encode rejects with CacheSerializationError, and nothing is written. */
  async set(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    const ttl = checkTtl(ttlMs)
    assertStorable(key, entry)
    this.#checkEncodes(key, entry)
    const stored = await this.#call(() => this.keyv.set(this.#key(key), entry, ttl))
    if (stored === false) throw new Error(`Keyv's store refused to store "${key}"`)
  }

  async delete(key: string): Promise<void> {
    await this.#call(() => this.keyv.delete(this.#key(key)))
  }

  /**
   * Writes every item Keyv can encode, once, in one Keyv call; then, if some could not be encoded, rejects with a
   * CacheSerializationError whose `keys` lists them.
   */
  async setMany(items: readonly StoreWrite[]): Promise<void> {
    const writes: { key: string; value: unknown; ttl: number | undefined }[] = []
    const leftOut: { key: string; error: unknown }[] = []
    for (const { key, entry, ttlMs } of items) {
      const ttl = checkTtl(ttlMs)
      try {
        assertStorable(key, entry)
      } catch (error) {
        leftOut.push({ key, error })
        continue
      }
      const failure = encodingFailure(this.keyv, entry)
      if (failure === undefined) writes.push({ key: this.#key(key), value: entry, ttl })
      else leftOut.push({ key, error: failure.error })
    }
    if (writes.length > 0) {
      const stored: unknown = await this.#call(() => this.keyv.setMany(writes))
      if (Array.isArray(stored) && stored.includes(false)) {
        throw new Error(
          `Keyv's store refused to store ${stored.filter((ok) => ok === false).length} of ${writes.length} items`,
        )
      }
    }
    const [first] = leftOut
    if (first === undefined) return
    const keys = leftOut.map((item) => item.key)
    throw new CacheSerializationError(
      `Keyv's serializer cannot encode the value under ${keys.map((k) => `"${k}"`).join(', ')} ` +
        `(${reasonOf(first.error)}); ${writes.length === 0 ? 'nothing was' : 'the other items were'} written. ` +
        'Cache plain data, or give the Keyv a serializer that carries these values',
      keys.length === 1 ? first.key : undefined,
      first.error,
      keys,
    )
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    await this.#call(() => this.keyv.deleteMany(keys.map((key) => this.#key(key))))
  }

  /**
   * Clears this Keyv's namespace (on @keyv/redis: the keys `<namespace>::*`, found with SCAN). Without a
   * namespace Keyv would clear far more than this cache's keys, so that is refused.
   */
  async clear(): Promise<void> {
    if (!this.keyv.namespace) {
      throw new Error(
        `tier "${this.name}": this Keyv has no namespace, so keyv.clear() would remove keys that are not this ` +
          "cache's (on @keyv/redis, every key without '::'); give the Keyv a namespace to clear it",
      )
    }
    // @keyv/redis's clear() only emits its errors, whatever throwOnErrors says; #call turns them into a rejection.
    await this.#call(() => this.keyv.clear())
  }

  /**
   * Nothing to release: the store holds no timer or subscription, and the Keyv is the application's, so it is
   * never disconnected here. Call `keyv.disconnect()` yourself when the app is done with it.
   */
  close(): void {}

  async #getMany(keys: readonly string[]): Promise<(CacheEntry | undefined)[]> {
    let records: unknown[]
    try {
      records = await this.#call(() => this.keyv.getManyRaw(keys.map((key) => this.#key(key))))
    } catch (error) {
      throw asSerializationError(error, undefined)
    }
    // One bad record rejects the batch with a CacheSerializationError; the engine then reads the keys one by
    // one, so that only the bad key misses.
    return keys.map((key, index) => entryFromRecord(records[index], key))
  }

  /** One Keyv call: refused at once while the client knows it is disconnected, failures made rejections. */
  #call<T>(operation: () => Promise<T>): Promise<T> {
    const state = redisClientState(this.keyv)
    if (state?.isReady) {
      this.#clientWasReady = true
    } else if (state?.isOpen && this.#clientWasReady) {
      // node-redis would queue the command until it reconnects and might run it after the caller was told it
      // failed; the engine reports this failure and its circuit probes the tier until Redis is back.
      return Promise.reject(
        new Error(
          `tier "${this.name}": the Redis client of this Keyv is reconnecting; not queueing the command`,
        ),
      )
    }
    const result = this.#emitted.run(operation)
    if (state !== undefined && !this.#clientWasReady) {
      // The first calls connect the client; from the first answer on, a client that is not ready has lost Redis.
      void result.then(
        () => {
          this.#clientWasReady ||= redisClientState(this.keyv)?.isReady === true
        },
        () => {},
      )
    }
    return result
  }

  #checkEncodes(key: string, entry: CacheEntry): void {
    const failure = encodingFailure(this.keyv, entry)
    if (failure === undefined) return
    throw new CacheSerializationError(
      `Keyv's serializer cannot encode the value under "${key}" (${reasonOf(failure.error)}), so nothing was ` +
        'written; cache plain data, or give the Keyv a serializer that carries this value',
      key,
      failure.error,
    )
  }

  /**
   * Keyv 5.6 leaves a key that already starts with `<namespace>:` unprefixed in get, set and delete but prefixes
   * it in getMany and deleteMany, so `x` and `<namespace>:x` would share one slot. Such keys, and keys starting
   * with the escape mark itself, get the mark in front: every key is then prefixed alike and stays distinct.
   */
  #key(key: string): string {
    const namespace = this.keyv.namespace
    if (!namespace || !prefixesLikeKeyv5(this.keyv)) return key
    const mark = namespace.startsWith('~') ? '!' : '~'
    return key.startsWith(mark) || key.startsWith(`${namespace}:`) ? `${mark}${key}` : key
  }
}

export interface KeyvStoreOptions {
  /**
   * The backend is private to this process (Keyv's in-memory Map, a local file): with a fleet's bus, notices from
   * other processes expire or drop its entries as they do a memory tier's. Default false: a shared backend.
   */
  local?: boolean
}

/** A tier on any Keyv instance (keyv 5.6+ or 6.1+); the ttl of every write is passed to Keyv. */
export function createKeyvStore(name: string, keyv: KeyvInstance, options: KeyvStoreOptions = {}): KeyvStore {
  if (typeof name !== 'string' || name.length === 0)
    throw new TypeError('a Keyv store needs a non-empty name')
  if (!isKeyvInstance(keyv)) {
    throw new TypeError('createKeyvStore needs a Keyv instance from keyv 5.6 or later (it uses getRaw)')
  }
  if (options === null || typeof options !== 'object')
    throw new TypeError('createKeyvStore options must be an object')
  if (options.local !== undefined && typeof options.local !== 'boolean') {
    throw new TypeError(`options.local must be a boolean, got ${typeof options.local}`)
  }
  return new KeyvStore(name, keyv, options)
}
