import { createClock, createMapStore } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import { type LoadOptions, type QueryFunctionContext, TieredCache } from '../src/index.js'

function setup() {
  const clock = createClock()
  const memory = Object.assign(createMapStore('memory'), { local: true })
  const remote = createMapStore('remote', { async: true })
  const cache = new TieredCache({ stores: [memory, remote], now: clock.now, defaultTtl: '5m' })
  return { clock, memory, remote, cache }
}

/** A lookup that caches "not found" for 10 s and a found value for 5 min. */
function lookup(table: Map<string, string>, calls: string[]) {
  return async ({ key, setOptions }: QueryFunctionContext) => {
    calls.push(key)
    const found = table.get(key)
    if (found === undefined) {
      setOptions({ ttl: '10s' })
      return null
    }
    setOptions({ ttl: '5m' })
    return found
  }
}

describe('setOptions and the queryFn context', () => {
  it('gives signal, queryKey as the caller gave it, the stored key and setOptions', async () => {
    const { cache } = setup()
    let seen: QueryFunctionContext | undefined
    await cache.swr({
      queryKey: ['user', 'a:b', 7],
      queryFn: (context) => {
        seen = context
        return 1
      },
    })
    expect(seen?.queryKey).toEqual(['user', 'a:b', 7])
    expect(seen?.key).toBe('user:a%3Ab:7')
    expect(seen?.signal).toBeInstanceOf(AbortSignal)
    expect(typeof seen?.setOptions).toBe('function')
  })

  it('negative caching: a null "not found" lives 10 s, a found value 5 min, chosen by the value', async () => {
    const { cache, clock, remote } = setup()
    const table = new Map([['found', 'value']])
    const calls: string[] = []
    const queryFn = lookup(table, calls)
    expect(await cache.swr({ queryKey: 'gone', queryFn })).toBeNull()
    expect(await cache.swr({ queryKey: 'found', queryFn })).toBe('value')
    const now = clock.now()
    expect(await remote.get('gone')).toMatchObject({
      value: null,
      expiresAt: now + 10_000,
      freshUntil: now + 10_000,
    })
    expect(await remote.get('found')).toMatchObject({ value: 'value', expiresAt: now + 300_000 })
    // Within 10 s both are hits: the miss is cached.
    clock.advance(9_999)
    expect(await cache.swr({ queryKey: 'gone', queryFn })).toBeNull()
    expect(calls).toEqual(['gone', 'found'])
    // After 10 s the "not found" is loaded again (and now exists); the found value is still cached.
    clock.advance(1)
    table.set('gone', 'back')
    expect(await cache.swr({ queryKey: 'gone', queryFn })).toBe('back')
    expect(await cache.swr({ queryKey: 'found', queryFn })).toBe('value')
    expect(calls).toEqual(['gone', 'found', 'gone'])
  })

  it('undefined caches nothing: the next call loads again', async () => {
    const { cache, remote, memory } = setup()
    const queryFn = vi.fn(async () => undefined)
    expect(await cache.swr({ queryKey: 'k', queryFn })).toBeUndefined()
    expect(await cache.swr({ queryKey: 'k', queryFn })).toBeUndefined()
    expect(queryFn).toHaveBeenCalledTimes(2)
    expect(memory.get('k')).toBeUndefined()
    expect(await remote.get('k')).toBeUndefined()
  })

  it("a ttl shorter than the call's fresh shortens fresh with it", async () => {
    const { cache, clock, remote } = setup()
    await cache.swr({
      queryKey: 'k',
      ttl: '5m',
      fresh: '1m',
      queryFn: ({ setOptions }) => {
        setOptions({ ttl: '10s' })
        return 'v'
      },
    })
    const now = clock.now()
    expect(await remote.get('k')).toMatchObject({ freshUntil: now + 10_000, expiresAt: now + 10_000 })
  })

  it('fresh, staleIfError and tags chosen by the value are applied; tags join the call’s', async () => {
    const { cache, clock, remote } = setup()
    await cache.swr({
      queryKey: 'k',
      tags: ['call'],
      queryFn: ({ setOptions }) => {
        setOptions({ fresh: '1s' })
        setOptions({ staleIfError: '1h', tags: ['value'] })
        return 'v'
      },
    })
    const now = clock.now()
    const stored = await remote.get('k')
    expect(stored).toMatchObject({
      freshUntil: now + 1_000,
      expiresAt: now + 300_000,
      graceUntil: now + 3_900_000,
    })
    expect([...(stored?.tags ?? [])].sort()).toEqual(['call', 'value'])
    await cache.deleteByTag(['value'])
    expect(await cache.get('k')).toBeUndefined()
  })

  it.each<[string, LoadOptions | null, RegExp]>([
    ['a negative ttl', { ttl: -1 }, /ttl/],
    ['a zero ttl', { ttl: 0 }, /ttl/],
    ['an unparsable duration', { fresh: 'soon' as never }, /fresh/],
    ['a negative infinite staleIfError', { staleIfError: Number.NEGATIVE_INFINITY }, /staleIfError/],
    ['fresh longer than its own ttl', { ttl: '10s', fresh: '1m' }, /fresh/],
    ['an empty tag', { tags: [''] }, /tag/],
    ['no options object', null, /options/],
  ])('%s throws inside queryFn, where its author sees it', async (_, chosen, message) => {
    const { cache, remote } = setup()
    let thrown: unknown
    const queryFn = ({ setOptions }: QueryFunctionContext) => {
      try {
        setOptions(chosen as LoadOptions)
      } catch (error) {
        thrown = error
        throw error
      }
      return 'v'
    }
    const failure = await cache.swr({ queryKey: 'k', queryFn }).catch((error: unknown) => error)
    expect(thrown).toBeInstanceOf(Error)
    expect(failure).toBe(thrown)
    expect((thrown as Error).message).toMatch(message)
    expect((thrown as Error).name).toMatch(/RangeError|TypeError/)
    expect(await remote.get('k')).toBeUndefined()
  })

  it('options chosen by the value keep dedupe: every joined caller gets the value, the next call is a hit', async () => {
    const { cache } = setup()
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const queryFn = vi.fn(async ({ setOptions }: QueryFunctionContext) => {
      await gate
      setOptions({ ttl: '10s' })
      return { id: 1 }
    })
    const callers = Array.from({ length: 10 }, () =>
      cache.swr({ queryKey: 'k', queryFn, fresh: '1m', ttl: '5m' }),
    )
    release()
    const values = await Promise.all(callers)
    expect(values.every((value) => value.id === 1)).toBe(true)
    expect(queryFn).toHaveBeenCalledTimes(1)
    expect(await cache.swr({ queryKey: 'k', queryFn, fresh: '1m', ttl: '5m' })).toEqual({ id: 1 })
    expect(queryFn).toHaveBeenCalledTimes(1)
  })

  it('swrMany: setOptions sets the lifetime of every value of the load; null is cached, undefined is not', async () => {
    const { cache, clock, remote } = setup()
    const queryFn = vi.fn(
      async ({ keys, setOptions }: Parameters<Parameters<TieredCache['swrMany']>[0]['queryFn']>[0]) => {
        setOptions({ ttl: '10s' })
        return keys.map((key) => (key === 'none' ? null : key === 'skip' ? undefined : `v:${key}`))
      },
    )
    expect(await cache.swrMany({ queryKeys: ['a', 'none', 'skip'], queryFn })).toEqual([
      'v:a',
      null,
      undefined,
    ])
    const now = clock.now()
    expect(await remote.get('a')).toMatchObject({ expiresAt: now + 10_000 })
    expect(await remote.get('none')).toMatchObject({ value: null, expiresAt: now + 10_000 })
    expect(await remote.get('skip')).toBeUndefined()
    await cache.swrMany({ queryKeys: ['a', 'none', 'skip'], queryFn })
    expect(queryFn.mock.calls[1]?.[0].keys).toEqual(['skip'])
  })
})
