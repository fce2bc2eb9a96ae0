import { TieredCache } from '@tiered/core'
import QuickLRU from 'quick-lru'
import { describe, expect, it, vi } from 'vitest'
import { createMemoryStore } from '../src/index.js'

const entry = (value: unknown) => ({ value, createdAt: 0, freshUntil: 1, expiresAt: 2, graceUntil: 3 })

describe('createMemoryStore', () => {
  it('answers get, set and delete synchronously', () => {
    const store = createMemoryStore('memory')
    expect(store.set('k', entry(1), 1_000)).toBeUndefined()
    const got = store.get('k')
    expect(got).not.toBeInstanceOf(Promise)
    expect(got).toEqual(entry(1))
    expect(store.delete('k')).toBeUndefined()
    expect(store.get('k')).toBeUndefined()
  })

  it('never returns an entry past its ttl', () => {
    vi.useFakeTimers({ now: 1_000_000 })
    try {
      const store = createMemoryStore('memory')
      store.set('k', entry('v'), 500)
      vi.setSystemTime(1_000_499)
      expect(store.get('k')).toEqual(entry('v'))
      vi.setSystemTime(1_000_500)
      expect(store.get('k')).toBeUndefined()
      expect(store.getMany(['k'])).toEqual([undefined])
    } finally {
      vi.useRealTimers()
    }
  })

  it('keeps an entry written with ttlMs Infinity with no expiry, still bounded by maxSize and maxBytes', () => {
    vi.useFakeTimers({ now: 1_000_000 })
    try {
      const bySize = createMemoryStore('memory', { maxSize: 3 })
      bySize.set('forever', entry('kept'), Number.POSITIVE_INFINITY)
      bySize.setMany([{ key: 'forever-many', entry: entry('kept too'), ttlMs: Number.POSITIVE_INFINITY }])
      // A century on, neither has expired; the bound still evicts: two newer entries push out the oldest one.
      vi.setSystemTime(1_000_000 + 100 * 365 * 86_400_000)
      bySize.set('a', entry('a'), 60_000)
      bySize.set('b', entry('b'), 60_000)
      expect(bySize.size).toBe(3)
      expect(bySize.getMany(['forever', 'forever-many'])).toEqual([undefined, entry('kept too')])
      const byBytes = createMemoryStore('memory', { maxBytes: 1_000 })
      byBytes.set('forever', entry('x'.repeat(600)), Number.POSITIVE_INFINITY)
      byBytes.set('other', entry('y'.repeat(600)), Number.POSITIVE_INFINITY)
      expect(byBytes.bytes).toBeLessThanOrEqual(1_000)
      expect(byBytes.get('forever')).toBeUndefined()
      expect(byBytes.get('other')).toEqual(entry('y'.repeat(600)))
    } finally {
      vi.useRealTimers()
    }
  })

  it('refuses a ttl of 0, below 0, NaN or -Infinity, and writes nothing', () => {
    const store = createMemoryStore('memory')
    for (const ttl of [0, -1, Number.NaN, Number.NEGATIVE_INFINITY]) {
      expect(() => store.set('k', entry(1), ttl)).toThrow(RangeError)
    }
    expect(store.get('k')).toBeUndefined()
  })

  it('keeps at most maxSize entries, dropping the least recently used', () => {
    const store = createMemoryStore('memory', { maxSize: 100 })
    for (let i = 0; i < 1_000; i++) {
      store.set(`k${i}`, entry(i), 60_000)
      expect(store.size).toBeLessThanOrEqual(100)
    }
    expect(store.size).toBe(100)
    expect(store.get('k900')).toEqual(entry(900))
    expect(store.get('k899')).toBeUndefined()
  })

  it('keeps an entry that was read, or written again, over older ones that were not', () => {
    const store = createMemoryStore('memory', { maxSize: 3 })
    for (const key of ['a', 'b', 'c']) store.set(key, entry(key), 60_000)
    store.get('a')
    store.set('d', entry('d'), 60_000)
    expect(store.getMany(['a', 'b', 'c', 'd'])).toEqual([entry('a'), undefined, entry('c'), entry('d')])
    const again = createMemoryStore('memory', { maxSize: 3 })
    for (const key of ['a', 'b', 'c']) again.set(key, entry(key), 60_000)
    again.set('a', entry('a2'), 60_000)
    again.set('d', entry('d'), 60_000)
    expect(again.getMany(['a', 'b', 'c', 'd'])).toEqual([entry('a2'), undefined, entry('c'), entry('d')])
  })

  it('never evicts the entry just written, even when every other one was read', () => {
    const store = createMemoryStore('memory', { maxSize: 3 })
    for (const key of ['a', 'b', 'c']) store.set(key, entry(key), 60_000)
    store.getMany(['a', 'b', 'c'])
    store.set('d', entry('d'), 60_000)
    expect(store.get('d')).toEqual(entry('d'))
    expect(store.size).toBe(3)
    // Each read key had one second chance; the one read longest ago went.
    expect(store.get('a')).toBeUndefined()
  })

  it('answers a key read again with the same entry object until the key is written again', () => {
    const store = createMemoryStore('memory')
    store.set('k', entry({ n: 1 }), 60_000)
    const first = store.get('k')
    expect(store.get('k')).toBe(first)
    store.set('k', entry({ n: 2 }), 60_000)
    expect(store.get('k')).toEqual(entry({ n: 2 }))
    expect(store.get('k')).not.toBe(first)
  })

  it('lets ready entry objects go past an eighth of maxSize, and still answers every key', () => {
    const store = createMemoryStore('memory', { maxSize: 80 })
    for (let i = 0; i < 80; i++) store.set(`k${i}`, entry(i), 60_000)
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 80; i++) expect(store.get(`k${i}`)).toEqual(entry(i))
    }
    // After a release, a slot rewritten in between keeps its new value.
    for (let i = 0; i < 10; i++) store.get(`k${i}`)
    store.set('k3', entry('new'), 60_000)
    for (let i = 10; i < 30; i++) store.get(`k${i}`)
    expect(store.get('k3')).toEqual(entry('new'))
    expect(store.get('k4')).toEqual(entry(4))
  })

  it('reuses the room of deleted and expired entries', () => {
    vi.useFakeTimers({ now: 1_000_000 })
    try {
      const store = createMemoryStore('memory', { maxSize: 50 })
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < 50; i++) store.set(`r${round}:${i}`, entry(i), 10)
        if (round % 2 === 0) store.deleteMany(Array.from({ length: 25 }, (_, i) => `r${round}:${i}`))
        else vi.advanceTimersByTime(10)
        for (let i = 0; i < 50; i++) store.get(`r${round}:${i}`)
      }
      store.set('last', entry('last'), 60_000)
      expect(store.get('last')).toEqual(entry('last'))
      expect(store.size).toBeLessThanOrEqual(50)
    } finally {
      vi.useRealTimers()
    }
  })

  it('gives back tagged entries and entries with fields it does not know, whole', () => {
    const store = createMemoryStore('memory')
    const tagged = { ...entry({ a: 1 }), tags: ['t1', 't2'] }
    const extra = { ...entry('v'), origin: 'elsewhere' }
    store.set('tagged', tagged, 1_000)
    store.set('extra', extra as never, 1_000)
    expect(store.get('tagged')).toEqual(tagged)
    expect(store.get('extra')).toEqual(extra)
    // A plain entry is held apart and comes back equal, with the same value object.
    const value = { nested: [1, 2] }
    store.set('plain', entry(value), 1_000)
    expect(store.get('plain')).toEqual(entry(value))
    expect(store.get('plain')?.value).toBe(value)
    expect(Object.keys(store.get('plain') ?? {})).toEqual([
      'value',
      'createdAt',
      'freshUntil',
      'expiresAt',
      'graceUntil',
    ])
  })

  it('uses your own QuickLRU when given one', () => {
    const lru = new QuickLRU<string, ReturnType<typeof entry>>({ maxSize: 10 })
    const store = createMemoryStore('memory', { lru })
    store.set('k', entry(1), 1_000)
    expect(lru.get('k')).toEqual(entry(1))
  })

  it('refuses a bad name, maxSize, lru or ttl', () => {
    expect(() => createMemoryStore('m', { maxBytes: -1 })).toThrow(RangeError)
    expect(() => createMemoryStore('m', { maxBytes: Number.POSITIVE_INFINITY })).toThrow(RangeError)
    expect(() => createMemoryStore('m', { maxEntryBytes: Number.NaN })).toThrow(RangeError)
    expect(() => createMemoryStore('m', { maxBytes: 10, sizeOf: 3 as never })).toThrow(TypeError)
    const lru = new QuickLRU<string, ReturnType<typeof entry>>({ maxSize: 10 })
    expect(() => createMemoryStore('m', { lru, maxBytes: 10 })).toThrow(/cannot be combined with `lru`/)
    expect(() => createMemoryStore('')).toThrow(TypeError)
    expect(() => createMemoryStore('m', { maxSize: 0 })).toThrow(RangeError)
    expect(() => createMemoryStore('m', { maxSize: 1.5 })).toThrow(RangeError)
    expect(() => createMemoryStore('m', { lru: {} as never })).toThrow(TypeError)
    const store = createMemoryStore('m')
    expect(() => store.set('k', entry(1), 0)).toThrow(RangeError)
    expect(() => store.set('k', entry(1), Number.NaN)).toThrow(RangeError)
    expect(() =>
      store.setMany([
        { key: 'a', entry: entry(1), ttlMs: 10 },
        { key: 'b', entry: entry(2), ttlMs: -1 },
      ]),
    ).toThrow(RangeError)
    expect(store.get('a')).toBeUndefined()
  })

  it('serves a TieredCache fresh hit without awaiting the store', async () => {
    const store = createMemoryStore('memory')
    const cache = new TieredCache({ stores: [store] })
    await cache.swr({ queryKey: 'k', queryFn: async () => 'v' })
    const spy = vi.spyOn(store, 'get')
    const pending = cache.swr({ queryKey: 'k', queryFn: async () => 'other' })
    expect(spy).toHaveBeenCalledWith('k')
    await expect(pending).resolves.toBe('v')
  })
})
