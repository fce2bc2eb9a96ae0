import { createClock, createMapStore } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import { type QueryFunctionContext, swr, TieredCache } from '../src/index.js'

function setup(options: { async?: boolean } = {}) {
  const clock = createClock()
  const store = createMapStore('l1', { async: options.async ?? false })
  const cache = new TieredCache({ stores: [store], now: clock.now, defaultTtl: '1m', defaultFresh: '10s' })
  return { clock, store, cache }
}

describe('swr', () => {
  it('loads a missing value once, stores it and returns it', async () => {
    const { cache, store } = setup()
    const queryFn = vi.fn(async () => ({ id: 1 }))
    await expect(cache.swr({ queryKey: 'user:1', queryFn })).resolves.toEqual({ id: 1 })
    expect(queryFn).toHaveBeenCalledTimes(1)
    expect(store.get('user:1')).toMatchObject({ value: { id: 1 } })
  })

  it('passes the key as given, the stored key and an AbortSignal to queryFn', async () => {
    const { cache } = setup()
    const queryFn = vi.fn(async (_context: QueryFunctionContext) => 1)
    await cache.swr({ queryKey: ['user', 'a:b'], queryFn })
    const context = queryFn.mock.calls[0]![0]
    expect(context.queryKey).toEqual(['user', 'a:b'])
    expect(context.key).toBe('user:a%3Ab')
    expect(context.signal).toBeInstanceOf(AbortSignal)
    expect(context.signal.aborted).toBe(false)
  })

  it('rule 1: serves a fresh value without calling queryFn', async () => {
    const { cache, clock } = setup()
    await cache.swr({ queryKey: 'k', queryFn: async () => 'v1' })
    clock.advance(9_999)
    const queryFn = vi.fn(async () => 'v2')
    await expect(cache.swr({ queryKey: 'k', queryFn })).resolves.toBe('v1')
    expect(queryFn).not.toHaveBeenCalled()
  })

  it('a fresh hit in a synchronous tier reads the tier in the same tick', async () => {
    const { cache, store } = setup()
    await cache.swr({ queryKey: 'k', queryFn: () => 'v' })
    const reads = store.calls.get
    const pending = cache.swr({ queryKey: 'k', queryFn: () => 'other' })
    expect(store.calls.get).toBe(reads + 1)
    await expect(pending).resolves.toBe('v')
  })

  it('rule 2: serves a stale value at once and refreshes it with one background load', async () => {
    const { cache, clock, store } = setup()
    await cache.swr({ queryKey: 'k', queryFn: async () => 'v1' })
    clock.advance(10_000)
    let release!: (value: string) => void
    const queryFn = vi.fn(
      () =>
        new Promise<string>((resolve) => {
          release = resolve
        }),
    )
    const callers = await Promise.all(Array.from({ length: 20 }, () => cache.swr({ queryKey: 'k', queryFn })))
    expect(callers).toEqual(Array(20).fill('v1'))
    expect(queryFn).toHaveBeenCalledTimes(1)
    release('v2')
    await vi.waitFor(() => expect(store.get('k')).toMatchObject({ value: 'v2' }))
    await expect(cache.swr({ queryKey: 'k', queryFn })).resolves.toBe('v2')
    expect(cache.stats()).toMatchObject({ staleHits: 20, loads: 2 })
  })

  it('rule 2: a failed background load is reported, keeps the stale entry and is no unhandled rejection', async () => {
    const { cache, clock } = setup()
    const errors: unknown[] = []
    cache.on('error', (event) => errors.push(event.error))
    await cache.swr({ queryKey: 'k', queryFn: async () => 'v1' })
    clock.advance(10_000)
    const boom = new Error('refresh failed')
    await expect(
      cache.swr({
        queryKey: 'k',
        queryFn: async () => {
          throw boom
        },
      }),
    ).resolves.toBe('v1')
    await vi.waitFor(() => expect(errors).toEqual([boom]))
    await expect(cache.get('k')).resolves.toBe('v1')
    expect(cache.stats().loadErrors).toBe(1)
  })

  it('rule 3: an expired value is loaded again and the caller waits for it', async () => {
    const { cache, clock } = setup()
    await cache.swr({ queryKey: 'k', queryFn: async () => 'v1' })
    clock.advance(60_000)
    await expect(cache.swr({ queryKey: 'k', queryFn: async () => 'v2' })).resolves.toBe('v2')
  })

  it("rule 3: a failed load rejects with the loader's own error and nothing is cached", async () => {
    const { cache, store } = setup()
    const thrown = { code: 'NOT_AN_ERROR' }
    await expect(
      cache.swr({
        queryKey: 'k',
        queryFn: () => {
          throw thrown
        },
      }),
    ).rejects.toBe(thrown)
    expect(store.get('k')).toBeUndefined()
    await expect(cache.swr({ queryKey: 'k', queryFn: async () => 'ok' })).resolves.toBe('ok')
  })

  it('rule 3: a rejected thenable from the loader rejects the call with its reason', async () => {
    const { cache } = setup()
    const reason = new Error('thenable')
    // biome-ignore lint/suspicious/noThenProperty: the point of the test is a thenable that is not a Promise
    const thenable = { then: (_: unknown, reject: (e: unknown) => void) => reject(reason) }
    await expect(cache.swr({ queryKey: 'k', queryFn: () => thenable as PromiseLike<number> })).rejects.toBe(
      reason,
    )
  })

  it('staleIfError: an expired entry within grace is served when the load fails, and the error is reported', async () => {
    const { cache, clock } = setup()
    const reported = vi.fn()
    cache.on('error', reported)
    await cache.swr({ queryKey: 'k', queryFn: async () => 'v1', ttl: '1m', staleIfError: '1h' })
    clock.advance(30 * 60_000)
    const boom = new Error('down')
    const value = await cache.swr({
      queryKey: 'k',
      queryFn: async () => {
        throw boom
      },
    })
    expect(value).toBe('v1')
    expect(reported).toHaveBeenCalledWith(
      expect.objectContaining({ error: boom, operation: 'load', key: 'k' }),
    )
    await expect(cache.get('k')).resolves.toBeUndefined()
    clock.advance(31 * 60_000)
    await expect(
      cache.swr({
        queryKey: 'k',
        queryFn: async () => {
          throw boom
        },
      }),
    ).rejects.toBe(boom)
  })

  it('uses the call ttl and fresh over the defaults', async () => {
    const { cache, clock } = setup()
    await cache.swr({ queryKey: 'k', queryFn: async () => 1, ttl: '5s', fresh: '2s' })
    clock.advance(2_000)
    const refresh = vi.fn(async () => 2)
    await expect(cache.swr({ queryKey: 'k', queryFn: refresh })).resolves.toBe(1)
    await vi.waitFor(() => expect(refresh).toHaveBeenCalledTimes(1))
  })

  it('fresh defaults to the ttl when no defaultFresh is set', async () => {
    const clock = createClock()
    const cache = new TieredCache({ stores: [createMapStore('m')], now: clock.now })
    await cache.swr({ queryKey: 'k', queryFn: async () => 1, ttl: '10s' })
    clock.advance(9_999)
    const queryFn = vi.fn(async () => 2)
    await cache.swr({ queryKey: 'k', queryFn })
    expect(queryFn).not.toHaveBeenCalled()
  })

  it('forceFresh loads even when a fresh value is cached, and stores the result', async () => {
    const { cache } = setup()
    await cache.swr({ queryKey: 'k', queryFn: async () => 1 })
    await expect(cache.swr({ queryKey: 'k', queryFn: async () => 2, forceFresh: true })).resolves.toBe(2)
    await expect(cache.get('k')).resolves.toBe(2)
  })

  it('returns undefined from a loader to the caller without caching it', async () => {
    const { cache, store } = setup()
    const queryFn = vi.fn(async () => undefined)
    await expect(cache.swr({ queryKey: 'k', queryFn })).resolves.toBeUndefined()
    await expect(cache.swr({ queryKey: 'k', queryFn })).resolves.toBeUndefined()
    expect(queryFn).toHaveBeenCalledTimes(2)
    expect(store.get('k')).toBeUndefined()
  })

  it('caches null and other falsy values', async () => {
    const { cache } = setup()
    for (const [key, value] of [
      ['null', null],
      ['zero', 0],
      ['false', false],
      ['empty', ''],
    ] as const) {
      await cache.swr({ queryKey: key, queryFn: async () => value })
      const queryFn = vi.fn(async () => 'reloaded')
      await expect(cache.swr({ queryKey: key, queryFn })).resolves.toBe(value)
      expect(queryFn).not.toHaveBeenCalled()
    }
  })

  it('works the same over an asynchronous tier', async () => {
    const { cache, clock } = setup({ async: true })
    const queryFn = vi.fn(async () => 'v1')
    await expect(cache.swr({ queryKey: 'k', queryFn })).resolves.toBe('v1')
    await expect(cache.swr({ queryKey: 'k', queryFn })).resolves.toBe('v1')
    expect(queryFn).toHaveBeenCalledTimes(1)
    clock.advance(10_000)
    await expect(cache.swr({ queryKey: 'k', queryFn: async () => 'v2' })).resolves.toBe('v1')
    await vi.waitFor(async () => expect(await cache.get('k')).toBe('v2'))
  })

  it('the standalone swr is the method with the cache passed along', async () => {
    const { cache } = setup()
    await expect(swr({ cache, queryKey: ['a', 1], queryFn: async () => 'v' })).resolves.toBe('v')
    await expect(cache.get(['a', 1])).resolves.toBe('v')
    await expect(swr({ cache: undefined as never, queryKey: 'k', queryFn: async () => 1 })).rejects.toThrow(
      TypeError,
    )
  })

  it('infers T from queryFn', async () => {
    const { cache } = setup()
    const user = await cache.swr({ queryKey: 'u', queryFn: async () => ({ name: 'Ada', age: 36 }) })
    const name: string = user.name
    expect(name).toBe('Ada')
  })
})
