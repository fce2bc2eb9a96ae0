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

  it('keeps at most about maxSize entries, dropping the least recently used', () => {
    const store = createMemoryStore('memory', { maxSize: 100 })
    for (let i = 0; i < 1_000; i++) store.set(`k${i}`, entry(i), 60_000)
    expect(store.size).toBeLessThanOrEqual(200)
    expect(store.get('k999')).toEqual(entry(999))
    expect(store.get('k0')).toBeUndefined()
  })

  it('uses your own QuickLRU when given one', () => {
    const lru = new QuickLRU<string, ReturnType<typeof entry>>({ maxSize: 10 })
    const store = createMemoryStore('memory', { lru })
    store.set('k', entry(1), 1_000)
    expect(lru.get('k')).toEqual(entry(1))
  })

  it('refuses a bad name, maxSize, lru or ttl', () => {
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
