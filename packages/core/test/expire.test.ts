import { createClock, createFlakyStore, createMapStore, type MapStore } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import { type CacheEntry, TieredCache } from '../src/index.js'

function localStore(name: string): MapStore {
  const store = createMapStore(name)
  Object.defineProperty(store, 'local', { value: true })
  return store
}

function twoTiers() {
  const clock = createClock()
  const l1 = localStore('l1')
  const l2 = createMapStore('l2', { async: true })
  const cache = new TieredCache({ stores: [l1, l2], now: clock.now, defaultTtl: '1m', defaultFresh: '10s' })
  return { clock, l1, l2, cache }
}

const failing = () => Promise.reject(new Error('source down'))

describe('expire(key): soft', () => {
  it('the entry is expired in every tier and kept for its grace', async () => {
    const { cache, l1, l2, clock } = twoTiers()
    await cache.set('k', 'old', { staleIfError: '1h' })
    clock.advance(1_000)
    await cache.expire('k')
    for (const entry of [l1.get('k') as CacheEntry, (await l2.get('k')) as CacheEntry]) {
      expect(entry.value).toBe('old')
      expect(entry.expiresAt).toBeLessThanOrEqual(clock.now())
      expect(entry.graceUntil).toBe(clock.now() - 1_000 + 60_000 + 3_600_000)
    }
    await expect(cache.get('k')).resolves.toBeUndefined()
  })

  it('the next swr waits for a reload and returns the new value', async () => {
    const { cache } = twoTiers()
    await cache.set('k', 'old', { staleIfError: '1h' })
    await cache.expire('k')
    const queryFn = vi.fn(async () => 'new')
    await expect(cache.swr({ queryKey: 'k', queryFn, staleIfError: '1h' })).resolves.toBe('new')
    await expect(cache.swr({ queryKey: 'k', queryFn, staleIfError: '1h' })).resolves.toBe('new')
    expect(queryFn).toHaveBeenCalledTimes(1)
  })

  it('with staleIfError a failed reload serves the expired value; past the grace it rejects', async () => {
    const { cache, clock } = twoTiers()
    await cache.set('k', 'old', { staleIfError: '1h' })
    await cache.expire('k')
    await expect(cache.swr({ queryKey: 'k', queryFn: failing, staleIfError: '1h' })).resolves.toBe('old')
    clock.advance(60_000 + 3_600_000)
    await expect(cache.swr({ queryKey: 'k', queryFn: failing, staleIfError: '1h' })).rejects.toThrow(
      'source down',
    )
  })

  it('without staleIfError the entry has no fallback to offer: it is removed and a failed reload rejects', async () => {
    const { cache, l1, l2 } = twoTiers()
    await cache.set('k', 'old')
    await cache.expire('k')
    expect(l1.get('k')).toBeUndefined()
    await expect(l2.get('k')).resolves.toBeUndefined()
    await expect(cache.swr({ queryKey: 'k', queryFn: failing })).rejects.toThrow('source down')
  })

  it('a tagged entry keeps its tags when expired, so a later deleteByTag still reaches it', async () => {
    const { cache, clock } = twoTiers()
    await cache.set('k', 'old', { tags: ['t'], staleIfError: '1h' })
    await cache.expire('k')
    clock.advance(1)
    await cache.deleteByTag(['t'])
    await expect(cache.swr({ queryKey: 'k', queryFn: failing, staleIfError: '1h' })).rejects.toThrow(
      'source down',
    )
  })

  it('a set or delete issued right after an expire is not undone by its expired copy, in any tier', async () => {
    const { cache, l1, l2, clock } = twoTiers()
    await cache.set('k', 'old', { staleIfError: '1h' })
    await Promise.all([cache.expire('k'), cache.set('k', 'new')])
    expect((l1.get('k') as CacheEntry).value).toBe('new')
    const shared = (await l2.get('k')) as CacheEntry
    expect(shared.value).toBe('new')
    expect(shared.expiresAt).toBeGreaterThan(clock.now())
    await cache.set('j', 'old', { staleIfError: '1h' })
    await Promise.all([cache.expire('j'), cache.delete('j')])
    await expect(l2.get('j')).resolves.toBeUndefined()
    await cache.set('c', 'old', { staleIfError: '1h' })
    await Promise.all([cache.expire('c'), cache.clear()])
    await expect(l2.get('c')).resolves.toBeUndefined()
  })

  it('a missing key is a no-op', async () => {
    const { cache, l1 } = twoTiers()
    await expect(cache.expire('nothing')).resolves.toBeUndefined()
    expect(l1.size).toBe(0)
  })

  it('a load running when the key is expired does not write its older value', async () => {
    const { cache } = twoTiers()
    let release!: (value: string) => void
    const queryFn = vi.fn(() => new Promise<string>((resolve) => (release = resolve)))
    const call = cache.swr({ queryKey: 'k', queryFn })
    await vi.waitFor(() => expect(queryFn).toHaveBeenCalled())
    await cache.expire('k')
    release('loaded before the expire')
    await call
    await expect(cache.get('k')).resolves.toBeUndefined()
  })

  it('a tier that fails makes expire reject with an AggregateError naming it; the other tiers are expired', async () => {
    const clock = createClock()
    const l1 = localStore('l1')
    const l2 = createFlakyStore(createMapStore('l2', { async: true }), { async: true, name: 'remote' })
    const cache = new TieredCache({ stores: [l1, l2], now: clock.now })
    cache.on('error', () => {})
    await cache.set('k', 'old', { staleIfError: '1h' })
    l2.failAlways('set')
    const error = await cache.expire('k').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AggregateError)
    expect((error as AggregateError).message).toContain('"remote"')
    expect((l1.get('k') as CacheEntry).expiresAt).toBeLessThanOrEqual(clock.now())
  })

  it('bad input is refused before anything is touched', async () => {
    const { cache } = twoTiers()
    await expect(cache.expire([])).rejects.toThrow(RangeError)
  })
})
