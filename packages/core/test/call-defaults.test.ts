// defaultTimeout and defaultSoftTimeout: a call's timers when it sets none; a call's own value wins.

import { createClock, createMapStore } from '@tiered/testing'
import { describe, expect, it } from 'vitest'
import { TieredCache, type TieredCacheOptions } from '../src/index.js'

const never = () => new Promise<string>(() => {})
const after = (ms: number, value: string) => () =>
  new Promise<string>((resolve) => setTimeout(() => resolve(value), ms))

function cacheWith(options: Partial<TieredCacheOptions>) {
  const clock = createClock()
  const cache = new TieredCache({ stores: [createMapStore('m')], now: clock.now, ...options })
  return { cache, clock }
}

describe('defaultTimeout', () => {
  it('bounds a call that sets no timeout: CacheTimeoutError, and the load is aborted', async () => {
    const { cache } = cacheWith({ defaultTimeout: '20ms' })
    let signal: AbortSignal | undefined
    const started = performance.now()
    const failure = await cache
      .swr({
        queryKey: 'k',
        queryFn: (context) => {
          signal = context.signal
          return never()
        },
      })
      .catch((error: unknown) => error)
    expect(failure).toMatchObject({ code: 'TIERED_TIMEOUT' })
    expect(signal?.aborted).toBe(true)
    expect(performance.now() - started).toBeLessThan(5_000)
  })

  it("a call's own timeout wins", async () => {
    const { cache } = cacheWith({ defaultTimeout: '10ms' })
    expect(await cache.swr({ queryKey: 'k', queryFn: after(60, 'slow'), timeout: '10s' })).toBe('slow')
  })

  it('applies to swrMany and to namespace views', async () => {
    const { cache } = cacheWith({ defaultTimeout: '20ms' })
    await expect(cache.swrMany({ queryKeys: ['a'], queryFn: never as never })).rejects.toMatchObject({
      code: 'TIERED_TIMEOUT',
    })
    await expect(cache.namespace('n').swr({ queryKey: 'k', queryFn: never })).rejects.toMatchObject({
      code: 'TIERED_TIMEOUT',
    })
  })
})

describe('defaultSoftTimeout', () => {
  it('serves the entry within grace when the load is slower, and the load still lands', async () => {
    const { cache, clock } = cacheWith({ defaultSoftTimeout: '20ms' })
    const options = { queryKey: 'k', ttl: '1m', staleIfError: '1h' } as const
    await cache.swr({ ...options, queryFn: async () => 'old' })
    clock.advance(120_000)
    expect(await cache.swr({ ...options, queryFn: after(200, 'new') })).toBe('old')
    await expect.poll(() => cache.get('k'), { timeout: 5_000 }).toBe('new')
  })

  it("a call's own softTimeout wins", async () => {
    const { cache, clock } = cacheWith({ defaultSoftTimeout: '10ms' })
    const options = { queryKey: 'k', ttl: '1m', staleIfError: '1h' } as const
    await cache.swr({ ...options, queryFn: async () => 'old' })
    clock.advance(120_000)
    expect(await cache.swr({ ...options, queryFn: after(60, 'new'), softTimeout: '10s' })).toBe('new')
  })

  it('applies to swrMany', async () => {
    const { cache, clock } = cacheWith({ defaultSoftTimeout: '20ms' })
    const many = { queryKeys: ['a'], ttl: '1m', staleIfError: '1h' } as const
    await cache.swrMany({ ...many, queryFn: async () => ['old'] })
    clock.advance(120_000)
    const slow = () => new Promise<string[]>((resolve) => setTimeout(() => resolve(['new']), 200))
    expect(await cache.swrMany({ ...many, queryFn: slow })).toEqual(['old'])
  })
})

describe('validation at construction', () => {
  it.each<[string, Partial<TieredCacheOptions>]>([
    ['a zero defaultTimeout', { defaultTimeout: 0 }],
    ['a negative defaultTimeout', { defaultTimeout: -1 }],
    ['an infinite defaultTimeout', { defaultTimeout: Number.POSITIVE_INFINITY }],
    ['an unparsable defaultTimeout', { defaultTimeout: 'soon' as never }],
    ['a negative defaultSoftTimeout', { defaultSoftTimeout: -5 }],
    ['an unparsable defaultSoftTimeout', { defaultSoftTimeout: '2 seconds' as never }],
  ])('%s is a RangeError', (_, options) => {
    expect(() => cacheWith(options)).toThrow(RangeError)
  })
})
