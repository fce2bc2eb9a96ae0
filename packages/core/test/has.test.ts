// cache.has(key): whether a live entry exists in any tier, with its tags checked; no load, no backfill, no stats.

import { createClock, createFlakyStore, createMapStore } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import { TieredCache } from '../src/index.js'
import { localStore, twoTiers as tiers } from './support/two-tiers.js'

const twoTiers = () => tiers({ defaultTtl: '1m', defaultFresh: '10s' })

describe('has(key)', () => {
  it('is true while the entry is alive, stale included, and false once it expired, even within its grace', async () => {
    const { cache, clock } = twoTiers()
    expect(await cache.has('k')).toBe(false)
    await cache.set('k', 'v', { staleIfError: '1h' })
    expect(await cache.has('k')).toBe(true)
    clock.advance(30_000)
    expect(await cache.has('k')).toBe(true)
    clock.advance(30_000)
    expect(await cache.has('k')).toBe(false)
  })

  it('finds an entry held only by a lower tier without writing it into the tiers above', async () => {
    const { cache, l1, l2 } = twoTiers()
    await cache.set('k', 'v')
    l1.delete('k')
    const setsBefore = l1.calls.set
    expect(await cache.has('k')).toBe(true)
    expect(l1.calls.set).toBe(setsBefore)
    expect(l1.get('k')).toBeUndefined()
    expect(await l2.get('k')).toBeDefined()
  })

  it('counts no hit or miss and emits no hit, miss or load event', async () => {
    const { cache } = twoTiers()
    await cache.set('k', 'v')
    const events = vi.fn()
    cache.on('hit', events).on('miss', events).on('load', events)
    const before = cache.stats()
    await cache.has('k')
    await cache.has('missing')
    const after = cache.stats()
    expect([after.hits, after.staleHits, after.misses, after.loads]).toEqual([
      before.hits,
      before.staleHits,
      before.misses,
      before.loads,
    ])
    expect(events).not.toHaveBeenCalled()
  })

  it('is false for an entry a tag invalidated, by deleteByTag or expireByTag', async () => {
    const { cache, clock } = twoTiers()
    await cache.set('a', 1, { tags: ['t'] })
    await cache.set('b', 2, { tags: ['u'], staleIfError: '1h' })
    expect(await cache.has('a')).toBe(true)
    clock.advance(1)
    await cache.deleteByTag(['t'])
    await cache.expireByTag(['u'])
    expect(await cache.has('a')).toBe(false)
    expect(await cache.has('b')).toBe(false)
  })

  it('on a namespace view: its own keys, and false once the view is cleared', async () => {
    const { cache, clock } = twoTiers()
    const users = cache.namespace('users')
    await users.set('1', 'ada')
    expect(await users.has('1')).toBe(true)
    expect(await cache.has('1')).toBe(false)
    clock.advance(1)
    await users.clear()
    expect(await users.has('1')).toBe(false)
  })

  it('a tier that fails its read counts as a miss and is reported; the next tier answers', async () => {
    const clock = createClock()
    const l1 = createFlakyStore(localStore('l1'))
    const l2 = createMapStore('l2', { async: true })
    const cache = new TieredCache({ stores: [l1, l2], now: clock.now, circuitBreaker: false })
    const errors = vi.fn()
    cache.on('error', errors)
    await cache.set('k', 'v')
    l1.failNext('get')
    expect(await cache.has('k')).toBe(true)
    expect(errors).toHaveBeenCalledTimes(1)
  })

  it('rejects a bad key with a RangeError, and with CacheClosedError once closed', async () => {
    const { cache } = twoTiers()
    await expect(cache.has([])).rejects.toBeInstanceOf(RangeError)
    await cache.close()
    await expect(cache.has('k')).rejects.toMatchObject({ code: 'TIERED_CLOSED' })
  })
})
