import { createClock, createMapStore } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import { TieredCache } from '../src/index.js'

function twoTiers(l2Async = true) {
  const clock = createClock()
  const l1 = createMapStore('l1')
  const l2 = createMapStore('l2', { async: l2Async })
  const cache = new TieredCache({ stores: [l1, l2], now: clock.now, defaultTtl: '1m', defaultFresh: '10s' })
  return { clock, l1, l2, cache }
}

describe('two-tier backfill', () => {
  it('a hit in the lower tier is written back to the upper tier with the same entry', async () => {
    const { cache, l1, l2, clock } = twoTiers()
    const entry = {
      value: 'v',
      createdAt: clock.now(),
      freshUntil: clock.now() + 10_000,
      expiresAt: clock.now() + 60_000,
      graceUntil: clock.now() + 90_000,
    }
    await l2.set('k', entry, 90_000)
    clock.advance(5_000)
    const queryFn = vi.fn(async () => 'loaded')
    await expect(cache.swr({ queryKey: 'k', queryFn })).resolves.toBe('v')
    expect(queryFn).not.toHaveBeenCalled()
    expect(l1.get('k')).toEqual(entry)
    expect(l1.ttlOf('k')).toBe(85_000)
  })

  it('cache.get backfills too', async () => {
    const { cache, l1, l2, clock } = twoTiers()
    const now = clock.now()
    await l2.set(
      'k',
      { value: 1, createdAt: now, freshUntil: now + 1, expiresAt: now + 60_000, graceUntil: now + 60_000 },
      60_000,
    )
    await expect(cache.get('k')).resolves.toBe(1)
    expect(l1.get('k')).toMatchObject({ value: 1 })
  })

  it('a load writes every tier, and a later call is served by the upper tier alone', async () => {
    const { cache, l1, l2 } = twoTiers()
    await cache.swr({ queryKey: 'k', queryFn: async () => ({ n: 1 }) })
    expect(l1.get('k')).toMatchObject({ value: { n: 1 } })
    expect(await l2.get('k')).toMatchObject({ value: { n: 1 } })
    const readsOfL2 = l2.calls.get
    await cache.swr({ queryKey: 'k', queryFn: async () => ({ n: 2 }) })
    expect(l2.calls.get).toBe(readsOfL2)
  })

  it('an expired upper entry does not hide a live lower one', async () => {
    const { cache, l1, l2, clock } = twoTiers()
    const now = clock.now()
    l1.set(
      'k',
      {
        value: 'old',
        createdAt: now - 70_000,
        freshUntil: now - 60_000,
        expiresAt: now - 1,
        graceUntil: now + 60_000,
      },
      60_000,
    )
    await l2.set(
      'k',
      {
        value: 'new',
        createdAt: now,
        freshUntil: now + 10_000,
        expiresAt: now + 60_000,
        graceUntil: now + 60_000,
      },
      60_000,
    )
    await expect(cache.swr({ queryKey: 'k', queryFn: async () => 'loaded' })).resolves.toBe('new')
    expect(l1.get('k')).toMatchObject({ value: 'new' })
  })

  it('backfills over two synchronous tiers in the same tick', async () => {
    const { cache, l1, l2, clock } = twoTiers(false)
    const now = clock.now()
    l2.set(
      'k',
      {
        value: 'v',
        createdAt: now,
        freshUntil: now + 10_000,
        expiresAt: now + 60_000,
        graceUntil: now + 60_000,
      },
      60_000,
    )
    const pending = cache.swr({ queryKey: 'k', queryFn: async () => 'loaded' })
    expect(l1.get('k')).toMatchObject({ value: 'v' })
    await expect(pending).resolves.toBe('v')
  })
})
