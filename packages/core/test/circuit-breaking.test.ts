import { setTimeout } from 'node:timers/promises'
import { createClock, createFlakyStore, createMapStore } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import { TieredCache } from '../src/index.js'

function setup() {
  const clock = createClock()
  const l2 = createFlakyStore(createMapStore('l2', { async: true }), { name: 'l2' })
  const cache = new TieredCache({
    stores: [createMapStore('l1'), l2],
    now: clock.now,
    circuitBreaker: { failureThreshold: 3, cooldown: '5s' },
    onError: () => {},
  })
  return { clock, l2, cache }
}

describe('circuit breaking', () => {
  it('skips a tier after a run of failures; the engine probes it in the background and uses it again', async () => {
    const l2 = createFlakyStore(createMapStore('l2', { async: true }), { name: 'l2' })
    const cache = new TieredCache({
      stores: [createMapStore('l1'), l2],
      circuitBreaker: { failureThreshold: 3, cooldown: '20ms' },
      onError: () => {},
    })
    const opened = vi.fn()
    const closed = vi.fn()
    cache.on('circuit-open', opened)
    cache.on('circuit-close', closed)
    l2.failAlways('all')
    for (let i = 0; i < 3; i++) await cache.get(`k${i}`)
    expect(opened).toHaveBeenCalledWith(
      expect.objectContaining({ tier: 'l2', operations: 'reads', failures: 3 }),
    )
    expect(cache.stats().tiers[1]).toMatchObject({ name: 'l2', reads: { circuit: 'open', failures: 3 } })

    // While open, callers never reach the tier: only the engine's probes do.
    const before = l2.calls.get
    for (let i = 0; i < 10; i++) await cache.get(`other${i}`)
    await setTimeout(60)
    const probes = l2.calls.get - before
    expect(probes).toBeGreaterThan(0)
    expect(probes).toBeLessThan(10)
    expect(cache.stats().tiers[1]?.reads.circuit).toBe('open')

    l2.heal()
    await vi.waitFor(
      () => expect(closed).toHaveBeenCalledWith({ part: 'tier', tier: 'l2', operations: 'reads' }),
      {
        timeout: 2_000,
        interval: 10,
      },
    )
    expect(cache.stats().tiers[1]?.reads.circuit).toBe('closed')
    const reads = l2.calls.get
    await cache.get('back')
    expect(l2.calls.get).toBe(reads + 1)
    await cache.close()
  })

  it('a caller never waits for a probe: a hung tier behind an open circuit costs nothing', async () => {
    const l2 = createFlakyStore(createMapStore('l2', { async: true }), { name: 'l2' })
    const cache = new TieredCache({
      stores: [createMapStore('l1'), l2],
      storeTimeout: '200ms',
      circuitBreaker: { failureThreshold: 1, cooldown: '10ms' },
      onError: () => {},
    })
    l2.failAlways('all')
    await cache.get('opens')
    l2.heal()
    l2.hang('all')
    await setTimeout(30)
    const started = performance.now()
    for (let i = 0; i < 5; i++) await cache.get(`cold${i}`)
    expect(performance.now() - started).toBeLessThan(150)
    l2.heal()
    await cache.close()
  })

  it('swr keeps answering from the loader while the tier is skipped', async () => {
    const { l2, cache } = setup()
    l2.failAlways('all')
    const values = await Promise.all(
      Array.from({ length: 20 }, (_, i) => cache.swr({ queryKey: `k${i}`, queryFn: async () => i })),
    )
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => i))
  })

  it('a delete while the write circuit is open rejects, since the tier may still hold the key', async () => {
    const { l2, cache } = setup()
    l2.failAlways('all')
    for (let i = 0; i < 3; i++) await cache.set(`k${i}`, i)
    expect(cache.stats().tiers[1]?.writes.circuit).toBe('open')
    l2.heal()
    await expect(cache.delete('k')).rejects.toThrow(AggregateError)
  })

  it('a tier whose writes fail (a full Redis) keeps serving reads', async () => {
    const { l2, cache, clock } = setup()
    await cache.set('kept', 'from l2')
    l2.failAlways('set')
    l2.failAlways('setMany')
    for (let i = 0; i < 5; i++) await cache.set(`k${i}`, i)
    expect(cache.stats().tiers[1]).toMatchObject({
      reads: { circuit: 'closed' },
      writes: { circuit: 'open' },
    })
    const fresh = new TieredCache({
      stores: [createMapStore('other-l1'), l2],
      now: clock.now,
      onError: () => {},
    })
    await expect(fresh.get('kept')).resolves.toBe('from l2')
    await expect(cache.swr({ queryKey: 'new', queryFn: async () => 'loaded' })).resolves.toBe('loaded')
  })

  it('can be turned off', async () => {
    const l2 = createFlakyStore(createMapStore('l2', { async: true }))
    const cache = new TieredCache({ stores: [l2], circuitBreaker: false, onError: () => {} })
    l2.failAlways('get')
    for (let i = 0; i < 10; i++) await cache.get(`k${i}`)
    expect(l2.calls.get).toBe(10)
    expect(cache.stats().tiers[0]?.reads.circuit).toBe('closed')
  })
})
