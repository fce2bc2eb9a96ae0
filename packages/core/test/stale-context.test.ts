// ctx.stale: the entry a load refreshes or replaces reaches queryFn, so a loader can refresh conditionally
// (If-None-Match) and keep the old value on a 304 with a new lifetime.

import { describe, expect, it, vi } from 'vitest'
import type { ManyQueryFunctionContext, QueryFunctionContext, StaleValue } from '../src/index.js'
import { twoTiers } from './support/two-tiers.js'

/** A loader that records the ctx.stale it was given, and returns `value`. */
function recording<T>(value: T) {
  const seen: (StaleValue | undefined)[] = []
  const queryFn = vi.fn(async (context: QueryFunctionContext) => {
    seen.push(context.stale)
    return value
  })
  return { seen, queryFn }
}

describe('ctx.stale', () => {
  it('is undefined for a first load, and the stale entry for its refresh', async () => {
    const { cache, clock } = twoTiers()
    const options = { queryKey: 'k', ttl: '1h', fresh: '1m' } as const
    const first = recording('v1')
    await cache.swr({ ...options, queryFn: first.queryFn })
    expect(first.seen).toEqual([undefined])
    const createdAt = clock.now()
    clock.advance(120_000)
    const refresh = recording('v2')
    expect(await cache.swr({ ...options, queryFn: refresh.queryFn })).toBe('v1')
    await vi.waitFor(() => expect(refresh.seen).toEqual([{ value: 'v1', createdAt }]))
  })

  it('is the expired entry within its grace for the load that replaces it', async () => {
    const { cache, clock } = twoTiers()
    const options = { queryKey: 'k', ttl: '1m', staleIfError: '1h' } as const
    await cache.swr({ ...options, queryFn: async () => 'old' })
    const createdAt = clock.now()
    clock.advance(120_000)
    const reload = recording('new')
    expect(await cache.swr({ ...options, queryFn: reload.queryFn })).toBe('new')
    expect(reload.seen).toEqual([{ value: 'old', createdAt }])
  })

  it('is the entry a tag expired (with grace), and undefined once expire left no grace', async () => {
    const { cache, clock } = twoTiers()
    await cache.set('graced', 'old', { tags: ['t'], staleIfError: '1h' })
    await cache.set('bare', 'old')
    clock.advance(1)
    await cache.expireByTag(['t'])
    await cache.expire('bare')
    const graced = recording('new')
    const bare = recording('new')
    await cache.swr({ queryKey: 'graced', queryFn: graced.queryFn })
    await cache.swr({ queryKey: 'bare', queryFn: bare.queryFn })
    expect(graced.seen).toEqual([{ value: 'old', createdAt: expect.any(Number) }])
    expect(bare.seen).toEqual([undefined])
  })

  it('is undefined for forceFresh, which reads nothing', async () => {
    const { cache, clock } = twoTiers()
    await cache.set('k', 'old', { ttl: '1m', staleIfError: '1h' })
    clock.advance(120_000)
    const forced = recording('new')
    await cache.swr({ queryKey: 'k', queryFn: forced.queryFn, forceFresh: true })
    expect(forced.seen).toEqual([undefined])
  })

  it('a 304: returning ctx.stale.value with setOptions keeps the value with a new lifetime', async () => {
    const { cache, clock } = twoTiers()
    const etags = new Map<string, string>()
    let origin = { etag: '"1"', body: { n: 1 } }
    const requests: (string | undefined)[] = []
    const queryFn = async ({ key, stale, setOptions }: QueryFunctionContext) => {
      const ifNoneMatch = stale === undefined ? undefined : etags.get(key)
      requests.push(ifNoneMatch)
      if (ifNoneMatch === origin.etag) {
        setOptions({ ttl: '10m', fresh: '10m' })
        return stale?.value as { n: number }
      }
      etags.set(key, origin.etag)
      return origin.body
    }
    const options = { queryKey: 'doc', queryFn, ttl: '1m', staleIfError: '1h' } as const
    expect(await cache.swr(options)).toEqual({ n: 1 })
    clock.advance(120_000)
    expect(await cache.swr(options)).toEqual({ n: 1 })
    expect(requests).toEqual([undefined, '"1"'])
    // The 304 gave the entry ten minutes: five minutes on it is still fresh and nothing is asked.
    clock.advance(300_000)
    expect(await cache.swr(options)).toEqual({ n: 1 })
    expect(requests).toHaveLength(2)
    origin = { etag: '"2"', body: { n: 2 } }
    clock.advance(600_000)
    expect(await cache.swr(options)).toEqual({ n: 2 })
    expect(requests).toEqual([undefined, '"1"', '"1"'])
  })

  it('swrMany: an array aligned with keys, for the missing keys and for a stale refresh', async () => {
    const { cache, clock } = twoTiers()
    await cache.set('graced', 'old', { ttl: '1m', staleIfError: '1h' })
    const createdAt = clock.now()
    clock.advance(120_000)
    const seen: ManyQueryFunctionContext['stale'][] = []
    const queryFn = async ({ keys, stale }: ManyQueryFunctionContext) => {
      seen.push(stale)
      return keys.map((key) => `${key}!`)
    }
    const many = { queryKeys: ['missing', 'graced'], queryFn, ttl: '1h', fresh: '1m' } as const
    expect(await cache.swrMany(many)).toEqual(['missing!', 'graced!'])
    expect(seen).toEqual([[undefined, { value: 'old', createdAt }]])
    const loadedAt = clock.now()
    clock.advance(120_000)
    expect(await cache.swrMany({ ...many, queryKeys: ['graced', 'missing'] })).toEqual([
      'graced!',
      'missing!',
    ])
    await vi.waitFor(() =>
      expect(seen[1]).toEqual([
        { value: 'graced!', createdAt: loadedAt },
        { value: 'missing!', createdAt: loadedAt },
      ]),
    )
  })
})
