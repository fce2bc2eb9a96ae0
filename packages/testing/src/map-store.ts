// A tiny reference CacheStore on a Map that honours ttlMs against Date.now, for engine tests
// that need a second tier without Redis. `async: true` makes it answer with promises, as a remote tier does.

import { assertStorable, type CacheEntry, type CacheStore, type MaybePromise } from '@tiered/core'

export interface MapStoreOptions {
  /** Return promises from every method, like a networked tier. Default false (synchronous, like memory). */
  async?: boolean
  /** Offer getMany/setMany/deleteMany. Default true; false leaves a store with only the required methods and clear. */
  batch?: boolean
  /** Private to the process, as a memory tier is: a fleet's bus keeps it true. Default false. */
  local?: boolean
}

export interface MapStore extends CacheStore {
  clear(): MaybePromise<void>
  /** Number of keys held, including ones past their ttl that nobody has read since. */
  readonly size: number
  /** How many times each method was called. */
  readonly calls: {
    get: number
    set: number
    delete: number
    getMany: number
    setMany: number
    deleteMany: number
  }
  /** The ttlMs the key was last written with, or undefined when it is not held. */
  ttlOf(key: string): number | undefined
}

interface Slot {
  entry: CacheEntry
  ttlMs: number
  /** Epoch ms (Date.now) from which the store forgets the key. */
  dropAt: number
}

export function createMapStore(name: string, options: MapStoreOptions = {}): MapStore {
  const slots = new Map<string, Slot>()
  const calls = { get: 0, set: 0, delete: 0, getMany: 0, setMany: 0, deleteMany: 0 }
  const answer: <T>(value: T) => MaybePromise<T> = options.async
    ? (value) => Promise.resolve(value)
    : (value) => value

  const read = (key: string): CacheEntry | undefined => {
    const slot = slots.get(key)
    if (!slot) return undefined
    if (Date.now() >= slot.dropAt) {
      slots.delete(key)
      return undefined
    }
    return slot.entry
  }
  const write = (key: string, entry: CacheEntry, ttlMs: number): undefined => {
    assertStorable(key, entry)
    if (ttlMs > 0) slots.set(key, { entry, ttlMs, dropAt: Date.now() + ttlMs })
    else slots.delete(key)
  }
  const remove = (key: string): undefined => {
    slots.delete(key)
  }

  const store: MapStore = {
    name,
    local: options.local === true,
    get size() {
      return slots.size
    },
    calls,
    ttlOf: (key) => (read(key) === undefined ? undefined : slots.get(key)?.ttlMs),
    get: (key) => {
      calls.get++
      return answer(read(key))
    },
    set: (key, entry, ttlMs) => {
      calls.set++
      return answer(write(key, entry, ttlMs))
    },
    delete: (key) => {
      calls.delete++
      return answer(remove(key))
    },
    clear: () => answer(slots.clear()),
  }
  if (options.batch === false) return store
  return Object.assign(store, {
    getMany: (keys: readonly string[]) => {
      calls.getMany++
      return answer(keys.map(read))
    },
    setMany(items: readonly { key: string; entry: CacheEntry; ttlMs: number }[]) {
      calls.setMany++
      for (const { key, entry, ttlMs } of items) write(key, entry, ttlMs)
      return answer(undefined)
    },
    deleteMany(keys: readonly string[]) {
      calls.deleteMany++
      for (const key of keys) remove(key)
      return answer(undefined)
    },
  })
}
