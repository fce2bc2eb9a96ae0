import { createClock, createMapStore, type MapStore } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import {
  type CacheEntry,
  type Duration,
  hasErrorCode,
  type ManyQueryFunctionContext,
  type QueryKey,
  TieredCache,
} from '../src/index.js'
import { MAX_REFRESH_BATCH } from '../src/loads.js'

function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok
    reject = fail
  })
  return { promise, resolve, reject }
}

/** A memory-like local tier over a remote (async, batching) tier, on a manual clock. */
function setup(options: { staleIfError?: Duration } = {}) {
  const clock = createClock()
  const memory = Object.assign(createMapStore('memory'), { local: true })
  const remote = createMapStore('remote', { async: true })
  const errors: unknown[] = []
  const cache = new TieredCache({
    stores: [memory, remote],
    now: clock.now,
    defaultTtl: '1m',
    defaultFresh: '10s',
    ...(options.staleIfError === undefined ? {} : { defaultStaleIfError: options.staleIfError }),
    onError: (error) => errors.push(error),
  })
  return { clock, memory, remote, cache, errors }
}

function entry(value: unknown, now: number, fresh = 10_000, ttl = 60_000, grace = 0): CacheEntry {
  return {
    value,
    createdAt: now,
    freshUntil: now + fresh,
    expiresAt: now + ttl,
    graceUntil: now + ttl + grace,
  }
}

/** Bounds for waiting on background work, generous enough for two busy cores. */
const WAIT = { timeout: 5_000, interval: 5 }
const page = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`)
/** Answers each key with `v:<key>`. */
const echo = async ({ keys }: ManyQueryFunctionContext) => keys.map((key) => `v:${key}`)

function resetCalls(store: MapStore) {
  for (const name of Object.keys(store.calls)) store.calls[name as keyof MapStore['calls']] = 0
}

describe('swrMany', () => {
  it('a page of 100 with 90 in the shared tier: one getMany, one queryFn call for the 10 missing, in order', async () => {
    const { cache, remote, clock } = setup()
    const keys = page(100)
    const missing = new Set(keys.filter((_, i) => i % 10 === 3))
    for (const key of keys)
      if (!missing.has(key)) await remote.set(key, entry(`cached:${key}`, clock.now()), 60_000)
    resetCalls(remote)
    const queryFn = vi.fn(async ({ keys: asked, queryKeys }: ManyQueryFunctionContext) => {
      expect(queryKeys).toEqual(asked)
      return asked.map((key) => `loaded:${key}`)
    })
    const values = await cache.swrMany({ queryKeys: keys, queryFn })
    expect(values).toEqual(keys.map((key) => (missing.has(key) ? `loaded:${key}` : `cached:${key}`)))
    expect(queryFn).toHaveBeenCalledTimes(1)
    expect(queryFn.mock.calls[0]?.[0].keys).toEqual([...missing])
    expect(remote.calls.get).toBe(0)
    expect(remote.calls.getMany).toBe(1)
    // The 10 loaded values went to both tiers; the 90 hits were backfilled into memory.
    expect(await remote.get('p3')).toMatchObject({ value: 'loaded:p3' })
    const again = vi.fn(echo)
    expect(await cache.swrMany({ queryKeys: keys, queryFn: again })).toEqual(values)
    expect(again).not.toHaveBeenCalled()
    expect(remote.calls.getMany).toBe(1)
  })

  it('keys already in memory cost no remote read; the misses are one getMany', async () => {
    const { cache, memory, remote, clock } = setup()
    for (let i = 0; i < 90; i++) memory.set(`p${i}`, entry(i, clock.now()), 60_000)
    resetCalls(remote)
    const queryFn = vi.fn(async ({ keys }: ManyQueryFunctionContext) => keys.map(() => -1))
    const values = await cache.swrMany({ queryKeys: page(100), queryFn })
    expect(values.slice(0, 90)).toEqual(Array.from({ length: 90 }, (_, i) => i))
    expect(values.slice(90)).toEqual(Array.from({ length: 10 }, () => -1))
    expect(queryFn).toHaveBeenCalledTimes(1)
    expect(remote.calls).toMatchObject({ get: 0, getMany: 1 })
  })

  it('a synchronous tier read only by swrMany is learned as synchronous: later pages read it in place', async () => {
    const { cache, memory } = setup()
    await cache.swrMany({ queryKeys: page(5), queryFn: echo })
    resetCalls(memory)
    expect(await cache.swrMany({ queryKeys: page(5), queryFn: echo })).toEqual(page(5).map((k) => `v:${k}`))
    expect(memory.calls).toMatchObject({ get: 5, getMany: 0 })
  })

  it('passes the keys as given and their stored strings', async () => {
    const { cache } = setup()
    const queryFn = vi.fn(async (context: ManyQueryFunctionContext) => context.keys.map(() => 1))
    await cache.swrMany({ queryKeys: [['user', 'a:b'], 'plain'], queryFn })
    const context = queryFn.mock.calls[0]?.[0] as ManyQueryFunctionContext
    expect(context.queryKeys).toEqual([['user', 'a:b'], 'plain'])
    expect(context.keys).toEqual(['user:a%3Ab', 'plain'])
    expect(context.signal).toBeInstanceOf(AbortSignal)
  })

  it('undefined in the answer is returned as undefined and nothing is cached for it; null is cached', async () => {
    const { cache, remote } = setup()
    const answer = async () => [undefined, null, 'x']
    expect(await cache.swrMany({ queryKeys: ['a', 'b', 'c'], queryFn: answer })).toEqual([
      undefined,
      null,
      'x',
    ])
    expect(await remote.get('a')).toBeUndefined()
    expect(await remote.get('b')).toMatchObject({ value: null })
    const queryFn = vi.fn(async ({ keys }: ManyQueryFunctionContext) => keys.map(() => 'late'))
    expect(await cache.swrMany({ queryKeys: ['a', 'b', 'c'], queryFn })).toEqual(['late', null, 'x'])
    expect(queryFn.mock.calls[0]?.[0].keys).toEqual(['a'])
  })

  it('an empty list answers [] without calling queryFn', async () => {
    const { cache } = setup()
    const queryFn = vi.fn(echo)
    expect(await cache.swrMany({ queryKeys: [], queryFn })).toEqual([])
    expect(queryFn).not.toHaveBeenCalled()
  })

  it('a key asked for twice is read and loaded once and answered at both places', async () => {
    const { cache } = setup()
    const queryFn = vi.fn(echo)
    const keys: QueryKey[] = ['a', 'b', 'a', ['a']]
    expect(await cache.swrMany({ queryKeys: keys, queryFn })).toEqual(['v:a', 'v:b', 'v:a', 'v:a'])
    expect(queryFn).toHaveBeenCalledTimes(1)
    expect(queryFn.mock.calls[0]?.[0].keys).toEqual(['a', 'b'])
  })

  it('stale keys are served at once and refreshed by one background call', async () => {
    const { cache, clock, remote } = setup()
    await cache.swrMany({ queryKeys: page(10), queryFn: async ({ keys }) => keys.map((k) => `old:${k}`) })
    clock.advance(10_000)
    const refreshed = deferred<string[]>()
    const queryFn = vi.fn(({ keys }: ManyQueryFunctionContext) =>
      refreshed.promise.then(() => keys.map((k) => `new:${k}`)),
    )
    const values = await cache.swrMany({ queryKeys: page(10), queryFn })
    expect(values).toEqual(page(10).map((k) => `old:${k}`))
    await vi.waitFor(() => expect(queryFn).toHaveBeenCalledTimes(1), WAIT)
    // A second caller while the refresh runs starts no other load, swr neither.
    await cache.swrMany({ queryKeys: page(10), queryFn })
    await cache.swr({ queryKey: 'p3', queryFn: async () => 'single' })
    expect(queryFn).toHaveBeenCalledTimes(1)
    refreshed.resolve([])
    await vi.waitFor(async () => expect(await remote.get('p9')).toMatchObject({ value: 'new:p9' }), WAIT)
    expect(await cache.swrMany({ queryKeys: ['p0', 'p9'], queryFn })).toEqual(['new:p0', 'new:p9'])
    expect(queryFn).toHaveBeenCalledTimes(1)
  })

  it(`a refresh asks for at most ${MAX_REFRESH_BATCH} keys per call`, async () => {
    const { cache, clock } = setup()
    const keys = page(MAX_REFRESH_BATCH * 2 + 50)
    await cache.swrMany({ queryKeys: keys, queryFn: echo })
    clock.advance(10_000)
    const queryFn = vi.fn(echo)
    await cache.swrMany({ queryKeys: keys, queryFn })
    await vi.waitFor(() => expect(queryFn).toHaveBeenCalledTimes(3), WAIT)
    const sizes = queryFn.mock.calls.map(([context]) => context.keys.length)
    expect(sizes).toEqual([MAX_REFRESH_BATCH, MAX_REFRESH_BATCH, 50])
  })

  it('a stale key refreshed by another process (fresh in the tier below) is backfilled, not loaded', async () => {
    const { cache, clock, memory, remote } = setup()
    memory.set('k', entry('old', clock.now() - 10_000), 60_000)
    await remote.set('k', entry('other', clock.now()), 60_000)
    const queryFn = vi.fn(echo)
    expect(await cache.swrMany({ queryKeys: ['k'], queryFn })).toEqual(['old'])
    await vi.waitFor(() => expect(memory.get('k')).toMatchObject({ value: 'other' }), WAIT)
    expect(queryFn).not.toHaveBeenCalled()
  })

  it('a failed refresh is reported and the stale values stay', async () => {
    const { cache, clock, errors, remote } = setup()
    await cache.swrMany({ queryKeys: ['a', 'b'], queryFn: echo })
    clock.advance(10_000)
    const failure = new Error('source down')
    await expect(
      cache.swrMany({ queryKeys: ['a', 'b'], queryFn: async () => Promise.reject(failure) }),
    ).resolves.toEqual(['v:a', 'v:b'])
    await vi.waitFor(() => expect(errors).toContain(failure), WAIT)
    expect(errors.filter((error) => error === failure)).toHaveLength(1)
    expect(await remote.get('a')).toMatchObject({ value: 'v:a' })
  })

  it('swr joins a key that swrMany is loading', async () => {
    const { cache } = setup()
    const gate = deferred<void>()
    const many = vi.fn(async ({ keys }: ManyQueryFunctionContext) => {
      await gate.promise
      return keys.map((k) => `bulk:${k}`)
    })
    const all = cache.swrMany({ queryKeys: ['a', 'b'], queryFn: many })
    await vi.waitFor(() => expect(many).toHaveBeenCalledTimes(1), WAIT)
    const single = vi.fn(async () => 'single')
    const one = cache.swr({ queryKey: 'b', queryFn: single })
    gate.resolve()
    expect(await one).toBe('bulk:b')
    expect(await all).toEqual(['bulk:a', 'bulk:b'])
    expect(single).not.toHaveBeenCalled()
  })

  it('swrMany joins a key that swr is loading and asks queryFn only for the others', async () => {
    const { cache } = setup()
    const gate = deferred<string>()
    const single = vi.fn(() => gate.promise)
    const one = cache.swr({ queryKey: 'b', queryFn: single })
    await vi.waitFor(() => expect(single).toHaveBeenCalledTimes(1), WAIT)
    const many = vi.fn(echo)
    const all = cache.swrMany({ queryKeys: ['a', 'b', 'c'], queryFn: many })
    await vi.waitFor(() => expect(many).toHaveBeenCalledTimes(1), WAIT)
    expect(many.mock.calls[0]?.[0].keys).toEqual(['a', 'c'])
    gate.resolve('single:b')
    expect(await all).toEqual(['v:a', 'single:b', 'v:c'])
    expect(await one).toBe('single:b')
  })

  it('two swrMany calls that overlap load each key once', async () => {
    const { cache } = setup()
    const queryFn = vi.fn(echo)
    const [first, second] = await Promise.all([
      cache.swrMany({ queryKeys: ['a', 'b'], queryFn }),
      cache.swrMany({ queryKeys: ['b', 'c'], queryFn }),
    ])
    expect(first).toEqual(['v:a', 'v:b'])
    expect(second).toEqual(['v:b', 'v:c'])
    const asked = queryFn.mock.calls.flatMap(([context]) => context.keys)
    expect(asked.sort()).toEqual(['a', 'b', 'c'])
  })

  it('a delete during the bulk load wins for that key: its older value is not written', async () => {
    const { cache, memory, remote } = setup()
    const gate = deferred<void>()
    const queryFn = vi.fn(async ({ keys }: ManyQueryFunctionContext) => {
      await gate.promise
      return keys.map((k) => `v:${k}`)
    })
    const all = cache.swrMany({ queryKeys: ['a', 'b'], queryFn })
    await vi.waitFor(() => expect(queryFn).toHaveBeenCalledTimes(1), WAIT)
    await cache.delete('a')
    gate.resolve()
    expect(await all).toEqual(['v:a', 'v:b'])
    expect(memory.get('a')).toBeUndefined()
    expect(await remote.get('a')).toBeUndefined()
    expect(await remote.get('b')).toMatchObject({ value: 'v:b' })
  })

  it('a failed bulk load falls back per key to its grace entry, else rejects with the loader error', async () => {
    const { cache, clock, errors } = setup({ staleIfError: '1h' })
    await cache.swrMany({ queryKeys: ['a'], queryFn: async () => ['old:a'] })
    clock.advance(61_000)
    const failure = new Error('source down')
    const failing = async () => Promise.reject(failure)
    expect(await cache.swrMany({ queryKeys: ['a'], queryFn: failing })).toEqual(['old:a'])
    expect(errors).toContain(failure)
    await expect(cache.swrMany({ queryKeys: ['a', 'b'], queryFn: failing })).rejects.toBe(failure)
    expect(cache.stats().loadErrors).toBe(2)
  })

  it.each([
    ['too few values', async () => ['x']],
    ['too many values', async () => ['x', 'y', 'z']],
    ['no array', async () => ({ a: 1 })],
    ['null', async () => null],
  ])('an answer with %s is a TypeError that names the rule, and nothing is written', async (_, answer) => {
    const { cache, remote } = setup()
    const queryFn = answer as unknown as () => Promise<string[]>
    const failed = cache.swrMany({ queryKeys: ['a', 'b'], queryFn })
    await expect(failed).rejects.toThrow(TypeError)
    await expect(failed).rejects.toThrow(/array of 2 values in the order of queryKeys/)
    expect(await remote.get('a')).toBeUndefined()
  })

  it('tags apply per key', async () => {
    const { cache } = setup()
    await cache.swrMany({ queryKeys: ['a', 'b'], queryFn: echo, tags: ['page'] })
    await cache.deleteByTag(['page'])
    const queryFn = vi.fn(async ({ keys }: ManyQueryFunctionContext) => keys.map((k) => `again:${k}`))
    expect(await cache.swrMany({ queryKeys: ['a', 'b'], queryFn, tags: ['page'] })).toEqual([
      'again:a',
      'again:b',
    ])
    expect(queryFn).toHaveBeenCalledTimes(1)
  })

  it('per key swr rules: fresh hit, ttl expiry, forceFresh, timeout', async () => {
    const { cache, clock } = setup()
    await cache.swrMany({ queryKeys: ['a'], queryFn: async () => ['one'], ttl: '20s', fresh: '5s' })
    const queryFn = vi.fn(async ({ keys }: ManyQueryFunctionContext) => keys.map(() => 'two'))
    expect(await cache.swrMany({ queryKeys: ['a'], queryFn })).toEqual(['one'])
    expect(queryFn).not.toHaveBeenCalled()
    clock.advance(20_000)
    expect(await cache.swrMany({ queryKeys: ['a'], queryFn })).toEqual(['two'])
    expect(
      await cache.swrMany({ queryKeys: ['a'], queryFn: async () => ['three'], forceFresh: true }),
    ).toEqual(['three'])
    const slow = cache.swrMany({
      queryKeys: ['slow'],
      queryFn: ({ signal }) =>
        new Promise<string[]>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      timeout: 30,
    })
    const error = await slow.catch((caught: unknown) => caught)
    expect(hasErrorCode(error, 'TIERED_TIMEOUT')).toBe(true)
  })

  it('softTimeout serves the grace entry of a key when the bulk load is slower; the load still writes', async () => {
    const { cache, clock, remote } = setup({ staleIfError: '1h' })
    await cache.swrMany({ queryKeys: ['a'], queryFn: async () => ['old'] })
    clock.advance(61_000)
    const gate = deferred<void>()
    const queryFn = vi.fn(async ({ keys }: ManyQueryFunctionContext) => {
      await gate.promise
      return keys.map(() => 'new')
    })
    expect(await cache.swrMany({ queryKeys: ['a'], queryFn, softTimeout: 20 })).toEqual(['old'])
    gate.resolve()
    await vi.waitFor(async () => expect(await remote.get('a')).toMatchObject({ value: 'new' }), WAIT)
  })

  it('a key that joined another call’s load keeps this call’s timeout', async () => {
    const { cache } = setup()
    const gate = deferred<string>()
    const slow = cache.swr({ queryKey: 'b', queryFn: () => gate.promise })
    const many = cache.swrMany({ queryKeys: ['a', 'b'], queryFn: echo, timeout: 30 })
    const error = await many.catch((caught: unknown) => caught)
    expect(hasErrorCode(error, 'TIERED_TIMEOUT')).toBe(true)
    gate.resolve('late')
    expect(await slow).toBe('late')
  })

  it('a load event per key of a bulk load: its keys, background for a refresh, the error of a failed one', async () => {
    const { cache, clock } = setup()
    const events: { key: string; background: boolean; error?: unknown }[] = []
    cache.on('load', ({ key, background, error }) => events.push({ key, background, error }))
    await cache.swrMany({ queryKeys: ['a', 'b'], queryFn: echo })
    expect(events).toEqual([
      { key: 'a', background: false, error: undefined },
      { key: 'b', background: false, error: undefined },
    ])
    clock.advance(10_000)
    await cache.swrMany({ queryKeys: ['a'], queryFn: echo })
    await vi.waitFor(() => expect(events).toHaveLength(3), WAIT)
    expect(events[2]).toEqual({ key: 'a', background: true, error: undefined })
    const failure = new Error('down')
    await expect(cache.swrMany({ queryKeys: ['c'], queryFn: () => Promise.reject(failure) })).rejects.toBe(
      failure,
    )
    expect(events[3]).toEqual({ key: 'c', background: false, error: failure })
  })

  it('bad input is a typed error and reads nothing', async () => {
    const { cache, remote } = setup()
    resetCalls(remote)
    await expect(cache.swrMany({ queryKeys: 'a' as never, queryFn: echo })).rejects.toThrow(TypeError)
    await expect(cache.swrMany({ queryKeys: ['a'], queryFn: 1 as never })).rejects.toThrow(TypeError)
    await expect(cache.swrMany({ queryKeys: [[]], queryFn: echo })).rejects.toThrow(RangeError)
    await expect(cache.swrMany({ queryKeys: ['a'], queryFn: echo, ttl: -1 })).rejects.toThrow(RangeError)
    await expect(cache.swrMany({ queryKeys: ['a'], queryFn: echo, timeout: 0 })).rejects.toThrow(RangeError)
    await expect(
      cache.swrMany({ queryKeys: ['a'], queryFn: echo, softTimeout: 'x' as never }),
    ).rejects.toThrow(RangeError)
    expect(remote.calls.get + remote.calls.getMany).toBe(0)
  })

  it('close() aborts a running bulk load: the call rejects with CacheClosedError', async () => {
    const { cache } = setup()
    const queryFn = vi.fn(() => new Promise<string[]>(() => {}))
    const running = cache.swrMany({ queryKeys: ['a'], queryFn })
    await vi.waitFor(() => expect(queryFn).toHaveBeenCalledTimes(1), WAIT)
    await cache.close()
    const error = await running.catch((caught: unknown) => caught)
    expect(hasErrorCode(error, 'TIERED_CLOSED')).toBe(true)
  })
})
