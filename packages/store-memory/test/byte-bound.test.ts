// A memory tier bounded by bytes: least recently used values leave once the tier holds more than maxBytes, and a
// value over maxEntryBytes is not kept here while the tiers below still get it.

import { TieredCache } from '@tiered/core'
import { createMapStore } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import { createMemoryStore } from '../src/index.js'
import { estimateValueBytes } from '../src/value-size.js'

const entry = (value: unknown) => ({ value, createdAt: 0, freshUntil: 1, expiresAt: 2, graceUntil: 3 })
const text = (bytes: number, fill = 'x') => fill.repeat(bytes)

describe('maxBytes', () => {
  it('drops the least recently used values once the tier holds more than maxBytes', () => {
    const store = createMemoryStore('memory', { maxBytes: 1_000 })
    for (let i = 0; i < 10; i++) store.set(`k${i}`, entry(text(100)), 60_000)
    expect(store.bytes).toBe(1_000)
    store.get('k0')
    store.set('k10', entry(text(250)), 60_000)
    expect(store.bytes).toBeLessThanOrEqual(1_000)
    // k1, k2 and k3 were the least recently used (k0 was read): exactly enough of them left for 250 bytes.
    expect(store.getMany(['k0', 'k1', 'k2', 'k3', 'k4', 'k10']).map((got) => got !== undefined)).toEqual([
      true,
      false,
      false,
      false,
      true,
      true,
    ])
    expect(store.bytes).toBe(950)
  })

  it('never holds more than maxBytes however much is written (100 values of 50 KB into 1 MB)', () => {
    const store = createMemoryStore('memory', { maxBytes: 1_000_000 })
    for (let i = 0; i < 100; i++) {
      store.set(`page:${i}`, entry(Buffer.alloc(50_000, i)), 60_000)
      expect(store.bytes).toBeLessThanOrEqual(1_000_000)
    }
    expect(store.size).toBe(20)
    expect(store.get('page:99')?.value).toEqual(Buffer.alloc(50_000, 99))
    expect(store.get('page:79')).toBeUndefined()
  })

  it('counts an overwrite, a delete, an expiry and a clear', () => {
    vi.useFakeTimers({ now: 1_000_000 })
    try {
      const store = createMemoryStore('memory', { maxBytes: 10_000 })
      store.set('a', entry(text(300)), 60_000)
      store.set('a', entry(text(100)), 60_000)
      store.set('b', entry(new Uint8Array(200)), 10)
      expect(store.bytes).toBe(300)
      store.delete('a')
      expect(store.bytes).toBe(200)
      vi.advanceTimersByTime(10)
      expect(store.get('b')).toBeUndefined()
      expect(store.bytes).toBe(0)
      store.set('c', entry(text(5)), 60_000)
      store.clear()
      expect(store.bytes).toBe(0)
      expect(store.size).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('measures with your sizeOf when given one', () => {
    const sizeOf = vi.fn((value: unknown) => (value as { bytes: number }).bytes)
    const store = createMemoryStore('memory', { maxBytes: 100, sizeOf })
    store.set('a', entry({ bytes: 60 }), 60_000)
    store.set('b', entry({ bytes: 60 }), 60_000)
    expect(sizeOf).toHaveBeenCalledTimes(2)
    expect(store.get('a')).toBeUndefined()
    expect(store.bytes).toBe(60)
    expect(() => store.set('c', entry({ bytes: -1 }), 60_000)).toThrow(TypeError)
  })

  it('measures nothing when no byte bound is set', () => {
    const sizeOf = vi.fn(() => 1)
    const store = createMemoryStore('memory', { sizeOf })
    store.set('a', entry('v'), 60_000)
    expect(sizeOf).not.toHaveBeenCalled()
    expect(store.bytes).toBe(0)
  })
})

describe('maxEntryBytes', () => {
  it('does not keep a value over maxEntryBytes, and removes the older copy under its key', () => {
    const store = createMemoryStore('memory', { maxEntryBytes: 1_000 })
    store.set('page', entry(text(500)), 60_000)
    store.set('page', entry(text(1_001)), 60_000)
    expect(store.get('page')).toBeUndefined()
    store.set('page', entry(text(1_000)), 60_000)
    expect(store.get('page')?.value).toBe(text(1_000))
  })

  it('is maxBytes when not given or larger: a value larger than the whole tier is not kept and evicts nothing', () => {
    for (const store of [
      createMemoryStore('memory', { maxBytes: 1_000 }),
      createMemoryStore('memory', { maxBytes: 1_000, maxEntryBytes: 5_000 }),
    ]) {
      store.set('small', entry(text(10)), 60_000)
      store.set('huge', entry(text(1_001)), 60_000)
      expect(store.get('huge')).toBeUndefined()
      expect(store.get('small')?.value).toBe(text(10))
    }
  })

  it('leaves a large value to the tiers below: they get it, and a read finds it there', async () => {
    const memory = createMemoryStore('memory', { maxEntryBytes: 1_000 })
    const below = createMapStore('below')
    const cache = new TieredCache({ stores: [memory, below] })
    const large = text(5_000, 'y')
    let loads = 0
    const queryFn = async () => {
      loads++
      return large
    }
    const read = () => cache.swr({ queryKey: 'large', queryFn, ttl: '1m' })
    await expect(read()).resolves.toBe(large)
    expect(memory.get('large')).toBeUndefined()
    expect((await below.get('large'))?.value).toBe(large)
    await expect(read()).resolves.toBe(large)
    expect(loads).toBe(1)
    await cache.close()
  })
})

describe('the estimate of a value that is not text or bytes', () => {
  it('counts strings and bytes exactly, and objects near the length of their JSON', () => {
    expect(estimateValueBytes('héllo')).toBe(5)
    expect(estimateValueBytes(Buffer.alloc(7))).toBe(7)
    expect(estimateValueBytes(new Float64Array(4))).toBe(32)
    expect(estimateValueBytes(new ArrayBuffer(9))).toBe(9)
    expect(estimateValueBytes(42)).toBe(8)
    const value = { id: 1, name: 'user 1', roles: ['reader', 'writer'], when: new Date(0) }
    const estimate = estimateValueBytes(value)
    const json = JSON.stringify(value).length
    expect(estimate).toBeGreaterThan(json / 2)
    expect(estimate).toBeLessThan(json * 2)
    expect(estimateValueBytes(new Map([['k', 'v']]))).toBe(16 + 16 + 2)
    expect(estimateValueBytes(new Set(['abc']))).toBe(16 + 8 + 3)
  })

  it('counts an object reached twice once, and ends on a cycle', () => {
    const shared = { text: text(100) }
    const twice = estimateValueBytes({ a: shared, b: shared })
    expect(twice).toBeLessThan(2 * estimateValueBytes(shared))
    const cycle: { self?: unknown; text: string } = { text: 'x' }
    cycle.self = cycle
    expect(estimateValueBytes(cycle)).toBeGreaterThan(0)
  })
})
