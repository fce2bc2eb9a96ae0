// ttl: Infinity: entries that never expire. Their instants are FOREVER (finite, so every format carries them), the
// stores are given ttlMs Infinity (no expiry), tags still invalidate them and cap their life at tagTtl.

import { createClock } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import {
  type CacheEntry,
  type CacheStore,
  type EntryCodec,
  FOREVER,
  jsonCodec,
  TieredCache,
  v8Codec,
} from '../src/index.js'
import { localStore, twoTiers } from './support/two-tiers.js'

const CENTURY = 100 * 365 * 86_400_000

/** A remote-like store that keeps the codec's bytes, as Redis does, on a Map store. */
function encodedStore(codec: EntryCodec): CacheStore {
  const bytes = new Map<string, string | Buffer>()
  return {
    name: 'encoded',
    get: async (key) => {
      const raw = bytes.get(key)
      if (raw === undefined) return undefined
      return codec.reads === 'text'
        ? codec.decode(raw as string, key)
        : codec.decode(Buffer.isBuffer(raw) ? raw : Buffer.from(raw), key)
    },
    set: async (key, entry, ttlMs) => {
      expect(ttlMs).toBe(Number.POSITIVE_INFINITY)
      bytes.set(key, codec.encode(entry, key))
    },
    delete: async (key) => {
      bytes.delete(key)
    },
  }
}

describe('ttl: Infinity', () => {
  it('set: the entry never expires and never goes stale; every tier is given ttlMs Infinity', async () => {
    const { cache, clock, l1, l2 } = twoTiers()
    await cache.set('k', 'v', { ttl: Number.POSITIVE_INFINITY })
    expect(l1.ttlOf('k')).toBe(Number.POSITIVE_INFINITY)
    expect(l2.ttlOf('k')).toBe(Number.POSITIVE_INFINITY)
    const entry = l1.get('k') as CacheEntry
    expect([entry.freshUntil, entry.expiresAt, entry.graceUntil]).toEqual([FOREVER, FOREVER, FOREVER])
    clock.advance(CENTURY)
    const queryFn = vi.fn(async () => 'loaded')
    expect(await cache.swr({ queryKey: 'k', queryFn })).toBe('v')
    expect(await cache.get('k')).toBe('v')
    expect(queryFn).not.toHaveBeenCalled()
  })

  it('swr with ttl Infinity, setOptions({ ttl: Infinity }) and defaultTtl Infinity all keep the value forever', async () => {
    const { cache, clock } = twoTiers()
    const forDefault = twoTiers({ defaultTtl: Number.POSITIVE_INFINITY })
    await cache.swr({ queryKey: 'a', queryFn: async () => 'a', ttl: Number.POSITIVE_INFINITY })
    await cache.swr({
      queryKey: 'b',
      queryFn: async ({ setOptions }) => {
        setOptions({ ttl: Number.POSITIVE_INFINITY })
        return 'b'
      },
      ttl: '1m',
    })
    await forDefault.cache.set('c', 'c')
    clock.advance(CENTURY)
    forDefault.clock.advance(CENTURY)
    expect(await cache.get('a')).toBe('a')
    expect(await cache.get('b')).toBe('b')
    expect(await forDefault.cache.get('c')).toBe('c')
  })

  it('a finite fresh under ttl Infinity goes stale and is refreshed, and lives on', async () => {
    const { cache, clock } = twoTiers()
    const options = { queryKey: 'k', ttl: Number.POSITIVE_INFINITY, fresh: '1m' } as const
    await cache.swr({ ...options, queryFn: async () => 'first' })
    clock.advance(CENTURY)
    const queryFn = vi.fn(async () => 'second')
    expect(await cache.swr({ ...options, queryFn })).toBe('first')
    await vi.waitFor(async () => expect(await cache.get('k')).toBe('second'))
    expect(queryFn).toHaveBeenCalledTimes(1)
  })

  it('a tagged forever entry lives tagTtl and is invalidated by its tag', async () => {
    const { cache, clock, l2 } = twoTiers({ tagTtl: '1d' })
    await cache.set('k', 'v', { ttl: Number.POSITIVE_INFINITY, tags: ['t'] })
    expect(l2.ttlOf('k')).toBe(86_400_000)
    const entry = (await l2.get('k')) as CacheEntry
    expect(entry.expiresAt).toBe(entry.createdAt + 86_400_000)
    clock.advance(1)
    await cache.deleteByTag(['t'])
    expect(await cache.get('k')).toBeUndefined()
    await cache.set('k', 'v', { ttl: Number.POSITIVE_INFINITY, tags: ['t'] })
    clock.advance(86_400_000 - 10)
    expect(await cache.get('k')).toBe('v')
    clock.advance(1_000)
    expect(await cache.get('k')).toBeUndefined()
  })

  it('staleIfError Infinity keeps an expired entry forever, served only when its reload fails', async () => {
    const { cache, clock, l2 } = twoTiers()
    const options = { queryKey: 'k', ttl: '1m', staleIfError: Number.POSITIVE_INFINITY } as const
    await cache.swr({ ...options, queryFn: async () => 'old' })
    expect(l2.ttlOf('k')).toBe(Number.POSITIVE_INFINITY)
    clock.advance(CENTURY)
    expect(await cache.get('k')).toBeUndefined()
    const failing = vi.fn(async (): Promise<string> => {
      throw new Error('source down')
    })
    expect(await cache.swr({ ...options, queryFn: failing })).toBe('old')
    expect(failing).toHaveBeenCalledTimes(1)
  })

  it('expire(key) of a forever entry with grace keeps it, expired, with no expiry in the stores', async () => {
    const { cache, l2 } = twoTiers()
    await cache.set('k', 'v', { ttl: '1m', staleIfError: Number.POSITIVE_INFINITY })
    await cache.expire('k')
    expect(await cache.get('k')).toBeUndefined()
    expect(l2.ttlOf('k')).toBe(Number.POSITIVE_INFINITY)
  })

  it.each([
    ['json', jsonCodec],
    ['v8', v8Codec],
  ] as const)('the %s codec carries a forever entry unchanged', async (_, codec) => {
    const clock = createClock()
    const store = encodedStore(codec)
    const cache = new TieredCache({ stores: [store], now: clock.now })
    await cache.set('k', { n: 1 }, { ttl: Number.POSITIVE_INFINITY })
    clock.advance(CENTURY)
    expect(await cache.get('k')).toEqual({ n: 1 })
    const entry = (await store.get('k')) as CacheEntry
    expect([entry.freshUntil, entry.expiresAt, entry.graceUntil]).toEqual([FOREVER, FOREVER, FOREVER])
  })

  it('-Infinity and NaN are still RangeErrors, and so is an infinite timeout', async () => {
    const { cache } = twoTiers()
    const queryFn = async () => 1
    for (const bad of [
      { ttl: Number.NEGATIVE_INFINITY },
      { ttl: Number.NaN },
      { fresh: Number.NEGATIVE_INFINITY },
      { staleIfError: Number.NaN },
      { timeout: Number.POSITIVE_INFINITY },
      { ttl: '1m', fresh: Number.POSITIVE_INFINITY },
    ] as const) {
      await expect(cache.swr({ queryKey: 'k', queryFn, ...bad })).rejects.toBeInstanceOf(RangeError)
    }
    expect(() => new TieredCache({ stores: [localStore('m')], defaultTtl: Number.NaN })).toThrow(RangeError)
  })
})
