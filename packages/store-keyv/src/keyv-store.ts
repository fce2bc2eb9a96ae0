// Any Keyv instance as a tier: Keyv's own calls mapped onto CacheStore, with the entry as Keyv's value and the
// engine's ttl passed through. Keyv's habit of swallowing backend errors is switched off so failures are reported.

import type { CacheEntry, CacheStore } from '@tiered/core'
import type { Keyv } from 'keyv'
import { asSerializationError, entryFromRecord } from './stored-entry.js'

type BatchItem = { key: string; entry: CacheEntry; ttlMs: number }

/** tiered never caches undefined; JSON-based Keyv backends would keep such an entry without its value. */
function checkValue(entry: CacheEntry): CacheEntry {
  if (entry.value === undefined) {
    throw new TypeError('undefined is never cached (a loader returning undefined means nothing to cache)')
  }
  return entry
}

function checkTtl(ttlMs: number): number {
  // Keyv stores a ttl of 0 or undefined forever, and a past one as already expired: neither is what was asked.
  if (!(ttlMs > 0) || ttlMs === Number.POSITIVE_INFINITY) {
    throw new RangeError(`ttlMs must be a finite number of milliseconds > 0, got ${ttlMs}`)
  }
  // Backends such as Redis (PX) take whole milliseconds.
  return Math.ceil(ttlMs)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

export class KeyvStore implements CacheStore {
  readonly name: string
  readonly keyv: Keyv<unknown>
  /** Present when the Keyv's backend reads many keys in one call (Redis MGET); Keyv's fallback hides errors. */
  readonly getMany?: (keys: readonly string[]) => Promise<(CacheEntry | undefined)[]>

  constructor(name: string, keyv: Keyv<unknown>) {
    this.name = name
    this.keyv = keyv
    // Keyv (and adapters such as @keyv/redis) turn a failing backend into a silent miss, a `false` or a no-op
    // unless told to throw; tiered needs the rejection to report the failure and count it.
    keyv.throwOnErrors = true
    const backend: unknown = keyv.store
    if (isRecord(backend) && typeof backend.throwOnErrors === 'boolean') backend.throwOnErrors = true
    if (isRecord(backend) && typeof backend.getMany === 'function') {
      this.getMany = (keys) => this.#getMany(keys)
    }
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    let record: unknown
    try {
      record = await this.keyv.getRaw(this.#key(key))
    } catch (error) {
      throw asSerializationError(error, key)
    }
    return entryFromRecord(record, key)
  }

  async set(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    const stored = await this.keyv.set(this.#key(key), checkValue(entry), checkTtl(ttlMs))
    if (stored === false) throw new Error(`Keyv's store refused to store "${key}"`)
  }

  async delete(key: string): Promise<void> {
    await this.keyv.delete(this.#key(key))
  }

  async setMany(items: readonly BatchItem[]): Promise<void> {
    const writes = items.map(({ key, entry, ttlMs }) => ({
      key: this.#key(key),
      value: checkValue(entry),
      ttl: checkTtl(ttlMs),
    }))
    const stored: unknown = await this.keyv.setMany(writes)
    if (Array.isArray(stored) && stored.includes(false)) {
      throw new Error(
        `Keyv's store refused to store ${stored.filter((ok) => ok === false).length} of ${items.length} items`,
      )
    }
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    await this.keyv.deleteMany(keys.map((key) => this.#key(key)))
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
    // @keyv/redis's clear() only emits its errors, whatever throwOnErrors says. Listening for the length of the
    // call catches them; every listener of the app still hears them too.
    let failure: { error: unknown } | undefined
    const onError = (error: unknown): void => {
      failure ??= { error }
    }
    this.keyv.on('error', onError)
    try {
      await this.keyv.clear()
    } finally {
      this.keyv.off('error', onError)
    }
    if (failure !== undefined) throw failure.error
  }

  /** Disconnects the Keyv's backend (keyv.disconnect()), so the store should own its Keyv. */
  async close(): Promise<void> {
    await this.keyv.disconnect()
  }

  async #getMany(keys: readonly string[]): Promise<(CacheEntry | undefined)[]> {
    let records: unknown[]
    try {
      records = await this.keyv.getManyRaw(keys.map((key) => this.#key(key)))
    } catch (error) {
      throw asSerializationError(error, undefined)
    }
    // One bad record rejects the batch with a CacheSerializationError; the engine then reads the keys one by
    // one, so that only the bad key misses.
    return keys.map((key, index) => entryFromRecord(records[index], key))
  }

  /**
   * Keyv 5.6 leaves a key that already starts with `<namespace>:` unprefixed in get, set and delete but prefixes
   * it in getMany and deleteMany, so `x` and `<namespace>:x` would share one slot. Such keys, and keys starting
   * with the escape mark itself, get the mark in front: every key is then prefixed alike and stays distinct.
   */
  #key(key: string): string {
    const namespace = this.keyv.namespace
    if (!namespace || !this.keyv.useKeyPrefix) return key
    const mark = namespace.startsWith('~') ? '!' : '~'
    return key.startsWith(mark) || key.startsWith(`${namespace}:`) ? `${mark}${key}` : key
  }
}

/** A tier on any Keyv instance (Keyv 5.5 or later); the ttl of every write is passed to Keyv. */
export function createKeyvStore(name: string, keyv: Keyv<unknown>): KeyvStore {
  if (typeof name !== 'string' || name.length === 0)
    throw new TypeError('a Keyv store needs a non-empty name')
  if (!isRecord(keyv) || typeof keyv.getRaw !== 'function' || typeof keyv.getManyRaw !== 'function') {
    throw new TypeError('createKeyvStore needs a Keyv instance from keyv 5.5 or later (it uses getRaw)')
  }
  return new KeyvStore(name, keyv)
}
