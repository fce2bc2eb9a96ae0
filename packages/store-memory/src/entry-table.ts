// The memory tier's own LRU: entries kept in parallel arrays rather than one object per entry, so that a small
// entry costs its key, its value and about 70 bytes of bookkeeping (a Map slot, two array cells, a few numbers).

import type { CacheEntry } from '@tiered/core'

/** No slot: the end of the recency list, or of the free list. */
const NONE = 0xffff_ffff
/** Numbers per slot in `#times`: createdAt, freshUntil, expiresAt, graceUntil, then the store's own deadline. */
const TIMES = 5
const DEADLINE = 4
/** The first allocation; the arrays then grow by half again, up to `maxSize`. */
const FIRST_CAPACITY = 16
/** At most one entry in this many keeps the entry object a read built, ready for the next read. */
const READY_SHARE = 8

/** Bits of `#flags`. */
const READ = 1
/** `#values[slot]` is the entry as it was given (tags, or fields this code does not know): never taken apart. */
const WHOLE = 2
/** `#values[slot]` is the entry object a read built; its value and instants are also where they always are. */
const READY = 4

/** The bounds of one table; `sizeOf` only when the tier is bounded by bytes. */
export interface TableLimits {
  maxSize: number
  maxBytes: number
  maxEntryBytes: number
  /** Bytes of a value, or undefined when no byte bound is set (then nothing is measured). */
  sizeOf: ((value: unknown) => number) | undefined
}

/**
 * A table of cache entries, each kept until its own deadline, that evicts the least recently used. An entry of
 * exactly the five fields the engine writes is taken apart: its instants go to a Float64Array (a plain object
 * would box each of them in a heap number of its own) and a read builds an entry object. The entry objects of
 * keys read again are kept ready (for at most an eighth of the entries), so that a hot key costs no allocation.
 *
 * Recency is a list from oldest to newest: a write puts its slot at the newest end; a read only marks its slot
 * READ (one byte, so the hot path does not relink), and eviction gives a READ slot at the oldest end a second
 * chance by moving it to the newest end instead of evicting it.
 */
export class EntryTable {
  readonly #limits: TableLimits
  readonly #slots = new Map<string, number>()
  #keys: (string | undefined)[] = []
  /** The value of a taken-apart entry, or an entry object when the slot is WHOLE or READY. */
  #values: unknown[] = []
  #times = new Float64Array(0)
  /** `#links[2 * slot]` is the next older slot, `#links[2 * slot + 1]` the next newer one. */
  #links = new Uint32Array(0)
  #flags = new Uint8Array(0)
  /** Measured bytes per slot; only when bounded by bytes. */
  #bytes: Float64Array | undefined
  #capacity = 0
  /** Slots never used yet start here. */
  #unused = 0
  /** Slots freed by delete or expiry, linked through `#links[2 * slot]`. */
  #freeHead = NONE
  #newest = NONE
  #oldest = NONE
  #totalBytes = 0
  /** Slots made READY since the last time all were let go (some may have been rewritten since). */
  #readySlots: number[] = []

  constructor(limits: TableLimits) {
    this.#limits = limits
    if (limits.sizeOf !== undefined) this.#bytes = new Float64Array(0)
  }

  get size(): number {
    return this.#slots.size
  }

  /** Bytes of values held, as measured; 0 when the table is not bounded by bytes. */
  get bytes(): number {
    return this.#totalBytes
  }

  get(key: string): CacheEntry | undefined {
    const slot = this.#slots.get(key)
    if (slot === undefined) return undefined
    const times = this.#times
    const at = slot * TIMES
    if ((times[at + DEADLINE] as number) <= Date.now()) {
      this.#remove(key, slot)
      return undefined
    }
    const flags = this.#flags[slot] as number
    this.#flags[slot] = flags | READ
    if ((flags & (WHOLE | READY)) !== 0) return this.#values[slot] as CacheEntry
    const entry: CacheEntry = {
      value: this.#values[slot],
      createdAt: times[at] as number,
      freshUntil: times[at + 1] as number,
      expiresAt: times[at + 2] as number,
      graceUntil: times[at + 3] as number,
    }
    this.#keepReady(slot, entry)
    return entry
  }

  set(key: string, entry: CacheEntry, ttlMs: number): void {
    const sizeOf = this.#limits.sizeOf
    let bytes = 0
    if (sizeOf !== undefined) {
      bytes = sizeOf(entry.value)
      if (!(bytes <= this.#limits.maxEntryBytes)) {
        // Too large for this tier: the lower tiers keep it, and an older copy here must not outlive it.
        this.delete(key)
        return
      }
    }
    let slot = this.#slots.get(key)
    if (slot === undefined) {
      slot = this.#claimSlot()
      this.#slots.set(key, slot)
      this.#keys[slot] = key
      this.#link(slot)
    } else if (slot !== this.#newest) {
      this.#unlink(slot)
      this.#link(slot)
    }
    const times = this.#times
    const at = slot * TIMES
    if (isBareEntry(entry)) {
      this.#values[slot] = entry.value
      times[at] = entry.createdAt
      times[at + 1] = entry.freshUntil
      times[at + 2] = entry.expiresAt
      times[at + 3] = entry.graceUntil
      this.#flags[slot] = 0
    } else {
      this.#values[slot] = entry
      this.#flags[slot] = WHOLE
    }
    times[at + DEADLINE] = Date.now() + ttlMs
    const sizes = this.#bytes
    if (sizes !== undefined) {
      this.#totalBytes += bytes - (sizes[slot] as number)
      sizes[slot] = bytes
    }
    this.#evictOverflow(slot)
  }

  delete(key: string): boolean {
    const slot = this.#slots.get(key)
    if (slot === undefined) return false
    this.#remove(key, slot)
    return true
  }

  clear(): void {
    this.#slots.clear()
    this.#keys = []
    this.#values = []
    this.#times = new Float64Array(0)
    this.#links = new Uint32Array(0)
    this.#flags = new Uint8Array(0)
    if (this.#bytes !== undefined) this.#bytes = new Float64Array(0)
    this.#capacity = 0
    this.#unused = 0
    this.#freeHead = NONE
    this.#newest = NONE
    this.#oldest = NONE
    this.#totalBytes = 0
    this.#readySlots = []
  }

  /** Keeps `entry` for the next read of `slot`; past the share, every ready entry is let go first. */
  #keepReady(slot: number, entry: CacheEntry): void {
    const readySlots = this.#readySlots
    if (readySlots.length * READY_SHARE >= this.#limits.maxSize) {
      const values = this.#values
      const flags = this.#flags
      for (const ready of readySlots) {
        // A slot rewritten since holds its new value, without the READY bit.
        if (((flags[ready] as number) & READY) === 0) continue
        values[ready] = (values[ready] as CacheEntry).value
        flags[ready] = (flags[ready] as number) & ~READY
      }
      readySlots.length = 0
    }
    this.#values[slot] = entry
    this.#flags[slot] = (this.#flags[slot] as number) | READY
    readySlots.push(slot)
  }

  /**
   * Least recently used first, until both bounds hold: a slot read since it was last moved goes to the newest end
   * once instead (its READ bit cleared), so this ends within one pass. The newest entry always fits: set checked
   * its size.
   */
  #evictOverflow(written: number): void {
    const { maxSize, maxBytes } = this.#limits
    while (this.#slots.size > maxSize || this.#totalBytes > maxBytes) {
      const oldest = this.#oldest
      const flags = this.#flags[oldest] as number
      // The entry just written is never the one evicted (it fits: set checked it against maxEntryBytes <= maxBytes).
      if (oldest === written && this.#slots.size === 1) break
      if ((flags & READ) !== 0 || oldest === written) {
        this.#flags[oldest] = flags & ~READ
        this.#unlink(oldest)
        this.#link(oldest)
        continue
      }
      this.#remove(this.#keys[oldest] as string, oldest)
    }
  }

  #remove(key: string, slot: number): void {
    this.#slots.delete(key)
    this.#unlink(slot)
    this.#keys[slot] = undefined
    this.#values[slot] = undefined
    this.#flags[slot] = 0
    const sizes = this.#bytes
    if (sizes !== undefined) {
      this.#totalBytes -= sizes[slot] as number
      sizes[slot] = 0
    }
    this.#links[2 * slot] = this.#freeHead
    this.#freeHead = slot
  }

  #claimSlot(): number {
    const free = this.#freeHead
    if (free !== NONE) {
      this.#freeHead = this.#links[2 * free] as number
      return free
    }
    if (this.#unused === this.#capacity) this.#grow()
    return this.#unused++
  }

  /** Half again as many slots (a doubling would leave up to half of them empty), never more than maxSize + 1. */
  #grow(): void {
    const capacity = Math.min(
      Math.max(FIRST_CAPACITY, Math.ceil(this.#capacity * 1.5)),
      this.#limits.maxSize + 1,
    )
    const times = new Float64Array(capacity * TIMES)
    times.set(this.#times)
    this.#times = times
    const links = new Uint32Array(capacity * 2)
    links.set(this.#links)
    this.#links = links
    const flags = new Uint8Array(capacity)
    flags.set(this.#flags)
    this.#flags = flags
    if (this.#bytes !== undefined) {
      const sizes = new Float64Array(capacity)
      sizes.set(this.#bytes)
      this.#bytes = sizes
    }
    this.#capacity = capacity
  }

  /** Puts `slot` at the newest end. */
  #link(slot: number): void {
    const links = this.#links
    links[2 * slot] = this.#newest
    links[2 * slot + 1] = NONE
    if (this.#newest !== NONE) links[2 * this.#newest + 1] = slot
    else this.#oldest = slot
    this.#newest = slot
  }

  #unlink(slot: number): void {
    const links = this.#links
    const older = links[2 * slot] as number
    const newer = links[2 * slot + 1] as number
    if (older !== NONE) links[2 * older + 1] = newer
    else this.#oldest = newer
    if (newer !== NONE) links[2 * newer] = older
    else this.#newest = older
  }
}

/** True for an entry of the five fields the engine writes for an untagged value, and nothing else. */
function isBareEntry(entry: CacheEntry): boolean {
  let fields = 0
  for (const field in entry) {
    if (
      field !== 'value' &&
      field !== 'createdAt' &&
      field !== 'freshUntil' &&
      field !== 'expiresAt' &&
      field !== 'graceUntil'
    ) {
      return false
    }
    fields++
  }
  return (
    fields === 5 &&
    typeof entry.createdAt === 'number' &&
    typeof entry.freshUntil === 'number' &&
    typeof entry.expiresAt === 'number' &&
    typeof entry.graceUntil === 'number'
  )
}
