// The in-process tier: entries in a quick-lru, each expiring after its own ttl, answered synchronously.

import type { CacheEntry, CacheStore } from '@tiered/core'
import QuickLRU from 'quick-lru'

/**
 * What the memory tier needs of its LRU. quick-lru's `QuickLRU<string, CacheEntry>` is one; the type is spelled out
 * here so that the published types do not name the ESM-only quick-lru (TypeScript before 5.8 refuses that in a
 * CommonJS consumer).
 */
export interface EntryLru {
  get(key: string): CacheEntry | undefined
  set(key: string, value: CacheEntry, options?: { maxAge?: number }): unknown
  delete(key: string): boolean
  clear(): void
  readonly size: number
}

export interface MemoryStoreOptions {
  /** Most entries kept before the least recently used go. Default 10 000. Ignored when `lru` is given. */
  maxSize?: number
  /** Your own QuickLRU, to share it or to set `onEviction`. */
  lru?: EntryLru
}

export class MemoryStore implements CacheStore {
  readonly name: string
  /** Private to this process: a fleet's bus keeps it true. */
  readonly local = true
  readonly #lru: EntryLru

  constructor(name: string, lru: EntryLru) {
    this.name = name
    this.#lru = lru
  }

  get(key: string): CacheEntry | undefined {
    return this.#lru.get(key)
  }

  set(key: string, entry: CacheEntry, ttlMs: number): void {
    checkWrite(entry, ttlMs)
    this.#lru.set(key, entry, { maxAge: ttlMs })
  }

  delete(key: string): void {
    this.#lru.delete(key)
  }

  getMany(keys: readonly string[]): (CacheEntry | undefined)[] {
    return keys.map((key) => this.#lru.get(key))
  }

  setMany(items: readonly { key: string; entry: CacheEntry; ttlMs: number }[]): void {
    for (const item of items) checkWrite(item.entry, item.ttlMs)
    for (const item of items) this.#lru.set(item.key, item.entry, { maxAge: item.ttlMs })
  }

  deleteMany(keys: readonly string[]): void {
    for (const key of keys) this.#lru.delete(key)
  }

  clear(): void {
    this.#lru.clear()
  }

  /** Entries held, counting ones that expired but were not yet touched. */
  get size(): number {
    return this.#lru.size
  }
}

/** A memory tier named `name`, on quick-lru. */
export function createMemoryStore(name: string, options: MemoryStoreOptions = {}): MemoryStore {
  if (typeof name !== 'string' || name.length === 0)
    throw new TypeError('a memory store needs a non-empty name')
  if (options.lru !== undefined) {
    if (!(options.lru instanceof Map) || typeof options.lru.get !== 'function') {
      throw new TypeError('`lru` must be a QuickLRU instance')
    }
    return new MemoryStore(name, options.lru)
  }
  const maxSize = options.maxSize ?? 10_000
  if (!Number.isInteger(maxSize) || maxSize < 1) {
    throw new RangeError(`maxSize must be a whole number of entries >= 1, got ${maxSize}`)
  }
  return new MemoryStore(name, new QuickLRU<string, CacheEntry>({ maxSize }))
}

/** Refuses what every store refuses: a ttl that is not a number above 0 (Infinity: no expiry), and undefined. */
function checkWrite(entry: CacheEntry, ttlMs: number): void {
  if (entry.value === undefined) {
    throw new TypeError('undefined is never cached (a loader returning undefined means nothing to cache)')
  }
  // quick-lru keeps an entry whose maxAge is Infinity until the LRU bound evicts it.
  if (!(ttlMs > 0)) {
    throw new RangeError(`ttlMs must be a number of milliseconds > 0 (or Infinity: no expiry), got ${ttlMs}`)
  }
}
