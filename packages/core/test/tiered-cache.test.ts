import { createClock, createFlakyStore, createMapStore } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import { CacheClosedError, CacheStoreError, TieredCache } from '../src/index.js'

describe('TieredCache construction', () => {
  it('needs at least one store', () => {
    expect(() => new TieredCache({ stores: [] })).toThrow(RangeError)
    expect(() => new TieredCache({} as never)).toThrow(RangeError)
  })

  it('refuses something that is not a store, and two tiers with one name', () => {
    expect(() => new TieredCache({ stores: [{ name: 'x' } as never] })).toThrow(TypeError)
    expect(() => new TieredCache({ stores: [createMapStore('a'), createMapStore('a')] })).toThrow(RangeError)
  })

  it.each([
    [{ defaultTtl: 0 }],
    [{ defaultTtl: -1 }],
    [{ defaultTtl: 'soon' }],
    [{ defaultTtl: '1m', defaultFresh: '2m' }],
    [{ defaultStaleIfError: Number.NaN }],
    [{ storeTimeout: Number.POSITIVE_INFINITY }],
    [{ circuitBreaker: { failureThreshold: 0 } }],
  ])('refuses bad defaults %j with a RangeError', (options) => {
    expect(() => new TieredCache({ stores: [createMapStore('a')], ...(options as object) })).toThrow(
      RangeError,
    )
  })
})

describe('get, set, delete, clear', () => {
  it('set writes every tier and get reads it back', async () => {
    const l1 = createMapStore('l1')
    const l2 = createMapStore('l2', { async: true })
    const cache = new TieredCache({ stores: [l1, l2] })
    await cache.set(['user', 1], { name: 'Ada' }, { ttl: '1m' })
    expect(l1.get('user:1')).toMatchObject({ value: { name: 'Ada' } })
    expect(await l2.get('user:1')).toMatchObject({ value: { name: 'Ada' } })
    await expect(cache.get(['user', 1])).resolves.toEqual({ name: 'Ada' })
  })

  it('set stamps the entry from the clock and the durations', async () => {
    const clock = createClock(1_000_000)
    const l1 = createMapStore('l1')
    const cache = new TieredCache({ stores: [l1], now: clock.now })
    await cache.set('k', 1, { ttl: '10s', fresh: '2s', staleIfError: '1m' })
    expect(l1.get('k')).toEqual({
      value: 1,
      createdAt: 1_000_000,
      freshUntil: 1_002_000,
      expiresAt: 1_010_000,
      graceUntil: 1_070_000,
    })
    expect(l1.ttlOf('k')).toBe(70_000)
  })

  it('get gives undefined once the entry expired, even within grace', async () => {
    const clock = createClock()
    const cache = new TieredCache({ stores: [createMapStore('l1')], now: clock.now })
    await cache.set('k', 1, { ttl: '10s', staleIfError: '1h' })
    clock.advance(9_999)
    await expect(cache.get('k')).resolves.toBe(1)
    clock.advance(1)
    await expect(cache.get('k')).resolves.toBeUndefined()
  })

  it('a set that fails on one tier is reported and still lands on the others', async () => {
    const l1 = createMapStore('l1')
    const l2 = createFlakyStore(createMapStore('l2', { async: true }))
    const onError = vi.fn()
    const cache = new TieredCache({ stores: [l1, l2], onError })
    l2.failNext('set', new Error('disk full'))
    await expect(cache.set('k', 'v')).resolves.toBeUndefined()
    expect(l1.get('k')).toMatchObject({ value: 'v' })
    expect(onError).toHaveBeenCalledWith(
      expect.any(CacheStoreError),
      expect.objectContaining({ tier: 'flaky(l2)', operation: 'set', key: 'k' }),
    )
    expect(cache.stats().storeErrors).toBe(1)
  })

  it('set refuses undefined and bad durations, writing nothing', async () => {
    const l1 = createMapStore('l1')
    const cache = new TieredCache({ stores: [l1] })
    await expect(cache.set('k', undefined)).rejects.toThrow(TypeError)
    await expect(cache.set('k', 1, { ttl: -1 })).rejects.toThrow(RangeError)
    await expect(cache.set('k', 1, { ttl: '1s', fresh: '2s' })).rejects.toThrow(RangeError)
    expect(l1.get('k')).toBeUndefined()
  })

  it('delete removes the key from every tier', async () => {
    const l1 = createMapStore('l1')
    const l2 = createMapStore('l2', { async: true })
    const cache = new TieredCache({ stores: [l1, l2] })
    await cache.set('k', 1)
    await cache.delete('k')
    expect(l1.get('k')).toBeUndefined()
    expect(await l2.get('k')).toBeUndefined()
  })

  it('delete rejects with an AggregateError naming the tier that failed, after trying every tier', async () => {
    const l1 = createMapStore('l1')
    const l2 = createFlakyStore(createMapStore('l2', { async: true }))
    const cache = new TieredCache({ stores: [l1, l2], onError: () => {} })
    await cache.set('k', 1)
    l2.failNext('delete', new Error('connection reset'))
    const failure = await cache.delete('k').catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(AggregateError)
    expect((failure as AggregateError).message).toContain('"flaky(l2)"')
    expect((failure as AggregateError).errors[0]).toBeInstanceOf(CacheStoreError)
    expect(l1.get('k')).toBeUndefined()
  })

  it('clear empties every tier and rejects when a tier cannot clear', async () => {
    const l1 = createMapStore('l1')
    const cache = new TieredCache({ stores: [l1] })
    await cache.set('a', 1)
    await cache.set('b', 2)
    await cache.clear()
    expect(l1.get('a')).toBeUndefined()
    const { clear: _, ...noClear } = createMapStore('nc')
    const partial = new TieredCache({ stores: [{ ...noClear, name: 'nc' }] })
    const failure = (await partial.clear().catch((error: unknown) => error)) as AggregateError
    expect(failure).toBeInstanceOf(AggregateError)
    expect(failure.errors[0]).toBeInstanceOf(CacheStoreError)
    expect((failure.errors[0] as Error).message).toMatch(/does not implement clear/)
  })

  it('a tier whose get throws counts as a miss and is reported', async () => {
    const l1 = createFlakyStore(createMapStore('l1'))
    const errors: unknown[] = []
    const cache = new TieredCache({ stores: [l1], onError: (error) => errors.push(error) })
    l1.failNext('get', new Error('corrupt'))
    await expect(cache.swr({ queryKey: 'k', queryFn: async () => 'loaded' })).resolves.toBe('loaded')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(CacheStoreError)
  })
})

describe('events and stats', () => {
  it('reports hits with tier and state, misses and loads with their duration', async () => {
    const clock = createClock()
    const cache = new TieredCache({
      stores: [createMapStore('l1')],
      now: clock.now,
      defaultTtl: '1m',
      defaultFresh: '1s',
    })
    const events: [string, unknown][] = []
    cache.on('hit', (e) => events.push(['hit', e]))
    cache.on('miss', (e) => events.push(['miss', e]))
    cache.on('load', (e) => events.push(['load', e]))
    await cache.swr({ queryKey: 'k', queryFn: async () => 1 })
    await cache.swr({ queryKey: 'k', queryFn: async () => 1 })
    clock.advance(1_000)
    await cache.swr({ queryKey: 'k', queryFn: async () => 2 })
    await vi.waitFor(() => expect(events.filter(([name]) => name === 'load')).toHaveLength(2))
    expect(events[0]).toEqual(['miss', { key: 'k' }])
    expect(events[1]).toEqual([
      'load',
      expect.objectContaining({ key: 'k', background: false, durationMs: expect.any(Number) }),
    ])
    expect(events[2]).toEqual(['hit', { key: 'k', tier: 'l1', state: 'fresh' }])
    expect(events[3]).toEqual(['hit', { key: 'k', tier: 'l1', state: 'stale' }])
    expect(events[4]).toEqual(['load', expect.objectContaining({ background: true })])
    expect(cache.stats()).toMatchObject({
      hits: 1,
      staleHits: 1,
      misses: 1,
      loads: 2,
      loadErrors: 0,
      storeErrors: 0,
    })
  })

  it('off removes a listener, and a listener that throws does not break the call', async () => {
    const onError = vi.fn()
    const cache = new TieredCache({ stores: [createMapStore('l1')], onError })
    const listener = vi.fn()
    cache.on('miss', listener)
    cache.on('miss', () => {
      throw new Error('listener bug')
    })
    await expect(cache.swr({ queryKey: 'a', queryFn: async () => 1 })).resolves.toBe(1)
    expect(onError).toHaveBeenCalledWith(
      expect.objectContaining({ message: 'listener bug' }),
      expect.anything(),
    )
    cache.off('miss', listener)
    await cache.swr({ queryKey: 'b', queryFn: async () => 1 })
    expect(listener).toHaveBeenCalledTimes(1)
  })

  it('an onError that throws is dropped, not thrown at the caller', async () => {
    const l1 = createFlakyStore(createMapStore('l1'))
    const cache = new TieredCache({
      stores: [l1],
      onError: () => {
        throw new Error('bad handler')
      },
    })
    l1.failNext('get', new Error('x'))
    await expect(cache.swr({ queryKey: 'k', queryFn: async () => 1 })).resolves.toBe(1)
  })
})

describe('close', () => {
  it('closes every tier, aborts running loads and refuses later calls', async () => {
    const l1 = createMapStore('l1')
    const close = vi.fn()
    const cache = new TieredCache({
      stores: [{ ...l1, name: 'l1', get: l1.get, set: l1.set, delete: l1.delete, close }],
    })
    await cache.get('warm-up')
    let signal: AbortSignal | undefined
    const running = cache.swr({
      queryKey: 'k',
      queryFn: ({ signal: s }) => {
        signal = s
        return new Promise<number>((_, reject) => s.addEventListener('abort', () => reject(s.reason)))
      },
    })
    await cache.close()
    expect(close).toHaveBeenCalledTimes(1)
    expect(signal?.aborted).toBe(true)
    await expect(running).rejects.toBeInstanceOf(CacheClosedError)
    await expect(cache.swr({ queryKey: 'k', queryFn: async () => 1 })).rejects.toBeInstanceOf(
      CacheClosedError,
    )
    await expect(cache.get('k')).rejects.toBeInstanceOf(CacheClosedError)
  })
})
