// The in-process tier: entries in a least-recently-used table, each expiring after its own ttl, bounded by a
// count and optionally by bytes, answered synchronously.

import { assertStorable, type CacheEntry, type CacheStore } from '@tiered/core'
import { EntryTable } from './entry-table.js'
import { estimateValueBytes } from './value-size.js'

/**
 * What the memory tier needs of your own LRU. quick-lru's `QuickLRU<string, CacheEntry>` is one; the type is
 * spelled out here so that the published types do not name the ESM-only quick-lru (TypeScript before 5.8 refuses
 * that in a CommonJS consumer).
 */
export interface EntryLru {
  get(key: string): CacheEntry | undefined
  set(key: string, value: CacheEntry, options?: { maxAge?: number }): unknown
  delete(key: string): boolean
  clear(): void
  readonly size: number
}

export interface MemoryStoreOptions {
  /** Most entries kept before the least recently used go. Default 10 000. */
  maxSize?: number
  /**
   * Most bytes of values kept before the least recently used go (strings by length, bytes by byteLength, other
   * values by `sizeOf` or an estimate: see the README). Default: no byte bound, nothing measured.
   */
  maxBytes?: number
  /** A value larger than this is not kept here (the lower tiers still get it). Default: `maxBytes`. */
  maxEntryBytes?: number
  /** Your own measure of a value, in bytes, used instead of the estimate. */
  sizeOf?: (value: unknown) => number
  /** Your own QuickLRU, to share it or to set `onEviction`. Not with the options above. */
  lru?: EntryLru
}

/** The calls the store makes of its table: EntryTable, or your own QuickLRU behind a line of adaptation. */
interface Table {
  get(key: string): CacheEntry | undefined
  set(key: string, entry: CacheEntry, ttlMs: number): void
  delete(key: string): unknown
  clear(): void
  readonly size: number
}

export class MemoryStore implements CacheStore {
  readonly name: string
  /** Private to this process: a fleet's bus keeps it true. */
  readonly local = true
  readonly #table: Table

  /** @internal Use createMemoryStore. */
  constructor(name: string, table: Table) {
    this.name = name
    this.#table = table
  }

  get(key: string): CacheEntry | undefined {
    return this.#table.get(key)
  }

  set(key: string, entry: CacheEntry, ttlMs: number): void {
    checkWrite(key, entry, ttlMs)
    this.#table.set(key, entry, ttlMs)
  }

  delete(key: string): void {
    this.#table.delete(key)
  }

  getMany(keys: readonly string[]): (CacheEntry | undefined)[] {
    return keys.map((key) => this.#table.get(key))
  }

  setMany(items: readonly { key: string; entry: CacheEntry; ttlMs: number }[]): void {
    for (const item of items) checkWrite(item.key, item.entry, item.ttlMs)
    for (const item of items) this.#table.set(item.key, item.entry, item.ttlMs)
  }

  deleteMany(keys: readonly string[]): void {
    for (const key of keys) this.#table.delete(key)
  }

  clear(): void {
    this.#table.clear()
  }

  /** Entries held, counting ones that expired but were not yet touched. */
  get size(): number {
    return this.#table.size
  }

  /** Bytes of values held, as measured against `maxBytes`; 0 when the tier has no byte bound. */
  get bytes(): number {
    return this.#table instanceof EntryTable ? this.#table.bytes : 0
  }
}

/** A memory tier named `name`. */
export function createMemoryStore(name: string, options: MemoryStoreOptions = {}): MemoryStore {
  if (typeof name !== 'string' || name.length === 0)
    throw new TypeError('a memory store needs a non-empty name')
  const { lru, maxSize = 10_000, maxBytes, maxEntryBytes, sizeOf } = options
  if (lru !== undefined) return new MemoryStore(name, quickLruTable(lru, options))
  if (!Number.isInteger(maxSize) || maxSize < 1) {
    throw new RangeError(`maxSize must be a whole number of entries >= 1, got ${maxSize}`)
  }
  checkBytes('maxBytes', maxBytes)
  checkBytes('maxEntryBytes', maxEntryBytes)
  if (sizeOf !== undefined && typeof sizeOf !== 'function') {
    throw new TypeError('sizeOf must be a function from a value to its size in bytes')
  }
  const bounded = maxBytes !== undefined || maxEntryBytes !== undefined
  const table = new EntryTable({
    maxSize,
    maxBytes: maxBytes ?? Number.POSITIVE_INFINITY,
    // A value larger than the whole tier cannot be kept, whatever maxEntryBytes says.
    maxEntryBytes: Math.min(maxEntryBytes ?? Number.POSITIVE_INFINITY, maxBytes ?? Number.POSITIVE_INFINITY),
    // Nothing is measured on a write unless a byte bound asks for it.
    sizeOf: bounded ? measured(sizeOf ?? estimateValueBytes) : undefined,
  })
  return new MemoryStore(name, table)
}

function checkBytes(option: string, bytes: number | undefined): void {
  if (bytes !== undefined && !(typeof bytes === 'number' && bytes >= 0 && bytes < Number.POSITIVE_INFINITY)) {
    throw new RangeError(`${option} must be a finite number of bytes >= 0, got ${String(bytes)}`)
  }
}

/** Your sizeOf, held to giving a number of bytes: anything else is a TypeError on the write. */
function measured(sizeOf: (value: unknown) => number): (value: unknown) => number {
  return (value) => {
    const bytes = sizeOf(value)
    if (typeof bytes !== 'number' || !(bytes >= 0)) {
      throw new TypeError(`sizeOf must return a number of bytes >= 0, got ${String(bytes)}`)
    }
    return bytes
  }
}

/** Your own QuickLRU as the table. It bounds itself, so the byte options have nowhere to go. */
function quickLruTable(lru: EntryLru, options: MemoryStoreOptions): Table {
  if (!((lru as unknown) instanceof Map) || typeof lru.get !== 'function') {
    throw new TypeError('`lru` must be a QuickLRU instance')
  }
  for (const option of ['maxSize', 'maxBytes', 'maxEntryBytes', 'sizeOf'] as const) {
    if (options[option] !== undefined) {
      throw new TypeError(
        `\`${option}\` cannot be combined with \`lru\`: bound your QuickLRU itself, or drop \`lru\``,
      )
    }
  }
  return {
    get: (key) => lru.get(key),
    set: (key, entry, ttlMs) => lru.set(key, entry, { maxAge: ttlMs }),
    delete: (key) => lru.delete(key),
    clear: () => lru.clear(),
    get size() {
      return lru.size
    },
  }
}

/** Refuses what every store refuses: a ttl that is not a number above 0 (Infinity: no expiry), and undefined. */
function checkWrite(key: string, entry: CacheEntry, ttlMs: number): void {
  assertStorable(key, entry)
  if (!(ttlMs > 0)) {
    throw new RangeError(`ttlMs must be a number of milliseconds > 0 (or Infinity: no expiry), got ${ttlMs}`)
  }
}
