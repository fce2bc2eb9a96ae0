import { setTimeout as sleep } from 'node:timers/promises'
import { createFlakyStore, createMapStore } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import {
  type CacheEntry,
  CacheSerializationError,
  type CacheStore,
  CacheStoreError,
  StoreTimeoutError,
  TieredCache,
} from '../src/index.js'

const now = Date.now()
const entry = (value: unknown): CacheEntry => ({
  value,
  createdAt: now,
  freshUntil: now + 60_000,
  expiresAt: now + 60_000,
  graceUntil: now + 60_000,
})

/** An asynchronous store over a map store whose key "bad" holds bytes that do not deserialise. */
function storeWithCorruptKey() {
  const inner = createMapStore('remote', { async: true })
  const batches: string[][] = []
  const store: CacheStore = {
    name: 'remote',
    get: async (key) => {
      if (key === 'bad') throw new CacheSerializationError('not a cache entry', key)
      return inner.get(key)
    },
    set: (key, value, ttl) => inner.set(key, value, ttl),
    delete: (key) => inner.delete(key),
    getMany: async (keys) => {
      batches.push([...keys])
      if (keys.includes('bad')) throw new CacheSerializationError('not a cache entry', 'bad')
      return inner.getMany!(keys)
    },
  }
  return { store, inner, batches }
}

describe('reads of an asynchronous tier', () => {
  it('a lone read goes straight out; reads that arrive while it is out go as one getMany, answers in order', async () => {
    const { store, inner, batches } = storeWithCorruptKey()
    for (const key of ['a', 'b', 'c']) await inner.set(key, entry(key.toUpperCase()), 60_000)
    const cache = new TieredCache({ stores: [store] })
    await cache.get('warm-up')
    const values = await Promise.all(['a', 'b', 'missing', 'c'].map((key) => cache.get(key)))
    expect(values).toEqual(['A', 'B', undefined, 'C'])
    expect(batches).toEqual([['b', 'missing', 'c']])
  })

  it('a key whose bytes do not deserialise misses alone and is reported; the rest of the batch is served', async () => {
    const { store, inner } = storeWithCorruptKey()
    await inner.set('good', entry('fine'), 60_000)
    const errors: unknown[] = []
    const cache = new TieredCache({ stores: [store], onError: (error) => errors.push(error) })
    await cache.get('warm-up')
    const values = await Promise.all([cache.get('good'), cache.get('bad')])
    expect(values).toEqual(['fine', undefined])
    expect(errors).toHaveLength(1)
    expect((errors[0] as CacheStoreError).cause).toBeInstanceOf(CacheSerializationError)
    expect((errors[0] as CacheStoreError).key).toBe('bad')
  })

  it('a failed getMany makes every key of the batch a miss and is reported once', async () => {
    const inner = createMapStore('remote', { async: true })
    await inner.set('a', entry(1), 60_000)
    const store: CacheStore = {
      name: 'remote',
      get: (key) => inner.get(key),
      set: (key, value, ttl) => inner.set(key, value, ttl),
      delete: (key) => inner.delete(key),
      getMany: async () => {
        throw new Error('connection lost')
      },
    }
    const errors: unknown[] = []
    const cache = new TieredCache({ stores: [store], onError: (error) => errors.push(error) })
    await cache.get('warm-up')
    expect(await Promise.all([cache.get('a'), cache.get('b'), cache.get('c')])).toEqual([
      1,
      undefined,
      undefined,
    ])
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(CacheStoreError)
  })

  it('a store call slower than storeTimeout is a miss reported with StoreTimeoutError', async () => {
    const store: CacheStore = {
      name: 'slow',
      get: () => new Promise(() => {}),
      set: async () => {},
      delete: async () => {},
    }
    const errors: CacheStoreError[] = []
    const cache = new TieredCache({
      stores: [store],
      storeTimeout: '20ms',
      onError: (e) => errors.push(e as CacheStoreError),
    })
    await expect(cache.get('k')).resolves.toBeUndefined()
    expect(errors[0]?.cause).toBeInstanceOf(StoreTimeoutError)
    expect(errors[0]).toMatchObject({ tier: 'slow', operation: 'get', key: 'k' })
  })
})

describe('writes to an asynchronous tier', () => {
  it('loads of 64 distinct keys in one tick: one get and one getMany, one set and one setMany', async () => {
    // A remote tier answers after a round trip; calls made meanwhile must share the next one.
    const l2 = createFlakyStore(createMapStore('l2', { async: true }), { name: 'l2' })
    l2.delay('all', 5)
    const cache = new TieredCache({ stores: [createMapStore('l1'), l2] })
    await cache.swr({ queryKey: 'warm-up', queryFn: async () => 0 })
    const before = { ...l2.calls }
    const keys = Array.from({ length: 64 }, (_, i) => `user:${i}`)
    const values = await Promise.all(
      keys.map((key) => cache.swr({ queryKey: key, queryFn: async () => key })),
    )
    expect(values).toEqual(keys)
    expect(l2.calls.get - before.get).toBe(1)
    expect(l2.calls.getMany - before.getMany).toBe(1)
    expect(l2.calls.set - before.set).toBe(1)
    expect(l2.calls.setMany - before.setMany).toBe(1)
    for (const key of keys) expect(await l2.get(key)).toMatchObject({ value: key })
  })

  it('a failed setMany is reported once and fails no caller', async () => {
    const l2 = createMapStore('l2', { async: true })
    const errors: unknown[] = []
    const store: CacheStore = {
      ...l2,
      name: 'l2',
      set: (key, entry, ttl) => sleep(5).then(() => l2.set(key, entry, ttl)),
      setMany: async () => {
        throw new Error('pipeline failed')
      },
    }
    const cache = new TieredCache({ stores: [createMapStore('l1'), store], onError: (e) => errors.push(e) })
    await cache.get('warm-up')
    const values = await Promise.all(
      ['a', 'b', 'c'].map((key) => cache.swr({ queryKey: key, queryFn: async () => key })),
    )
    expect(values).toEqual(['a', 'b', 'c'])
    await vi.waitFor(() => expect(errors).toHaveLength(1))
    expect(errors[0]).toMatchObject({ tier: 'l2', operation: 'set' })
  })
})

describe('values that do not serialise', () => {
  it('are reported under their own key when a batch leaves them out; the rest are written once', async () => {
    const inner = createMapStore('remote', { async: true })
    const store: CacheStore = {
      name: 'remote',
      get: (key) => inner.get(key),
      delete: (key) => inner.delete(key),
      set: async (key, value, ttl) => {
        if (typeof value.value === 'bigint')
          throw new CacheSerializationError('BigInt does not serialise', key)
        await inner.set(key, value, ttl)
      },
      // The contract: write every item that encodes, then name the ones left out.
      setMany: async (items) => {
        const good = items.filter((item) => typeof item.entry.value !== 'bigint')
        await inner.setMany!(good)
        const bad = items.filter((item) => typeof item.entry.value === 'bigint').map((item) => item.key)
        if (bad.length > 0)
          throw new CacheSerializationError('values do not serialise', undefined, undefined, bad)
      },
    }
    const errors: CacheStoreError[] = []
    const cache = new TieredCache({ stores: [store], onError: (e) => errors.push(e as CacheStoreError) })
    await cache.get('warm-up')
    const pending = cache.set('first', 0)
    await Promise.all([cache.set('a', 1), cache.set('big', 10n), cache.set('c', 3), pending])
    expect(errors.map((error) => error.key)).toEqual(['big'])
    expect(await inner.get('a')).toMatchObject({ value: 1 })
    expect(await inner.get('c')).toMatchObject({ value: 3 })
    // Written once: by the batch, never again one by one.
    expect(inner.calls.set + inner.calls.setMany).toBe(2)
    expect(cache.stats().tiers[0]).toMatchObject({ writes: { circuit: 'closed', failures: 0 } })
  })

  it('are recognised by code, not class: an error from another copy of core never opens the circuit', async () => {
    // What a CommonJS store in an ESM app throws: same code, another class.
    const foreign = () =>
      Object.assign(new Error('bad bytes'), { name: 'CacheSerializationError', code: 'TIERED_SERIALIZATION' })
    const store: CacheStore = {
      name: 'cjs-store',
      get: async () => {
        throw foreign()
      },
      set: async () => {
        throw foreign()
      },
      delete: async () => {},
    }
    const cache = new TieredCache({
      stores: [store],
      circuitBreaker: { failureThreshold: 2 },
      onError: () => {},
    })
    for (let i = 0; i < 10; i++) {
      await cache.get(`k${i}`)
      await cache.set(`k${i}`, i)
    }
    expect(cache.stats().tiers[0]).toMatchObject({
      reads: { circuit: 'closed', failures: 0 },
      writes: { circuit: 'closed', failures: 0 },
    })
  })

  it('do not count against the tier: many corrupt reads never open its circuit', async () => {
    const { store } = storeWithCorruptKey()
    const cache = new TieredCache({
      stores: [store],
      circuitBreaker: { failureThreshold: 2 },
      onError: () => {},
    })
    for (let i = 0; i < 10; i++) await cache.get('bad')
    expect(cache.stats().tiers[0]).toMatchObject({ reads: { circuit: 'closed', failures: 0 } })
    expect(cache.stats().storeErrors).toBe(10)
  })
})
