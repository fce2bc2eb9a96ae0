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
  it('skips a tier after a run of failures, then probes it after the cool-down and uses it again', async () => {
    const { clock, l2, cache } = setup()
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

    const callsWhileOpen = l2.calls.get
    for (let i = 0; i < 10; i++) await cache.get(`other${i}`)
    expect(l2.calls.get).toBe(callsWhileOpen)

    l2.heal()
    clock.advance(5_000)
    expect(cache.stats().tiers[1]?.reads.circuit).toBe('half-open')
    await cache.get('probe')
    expect(closed).toHaveBeenCalledWith({ tier: 'l2', operations: 'reads' })
    expect(cache.stats().tiers[1]?.reads.circuit).toBe('closed')
  })

  it('a failed probe opens the circuit for another cool-down', async () => {
    const { clock, l2, cache } = setup()
    l2.failAlways('all')
    for (let i = 0; i < 3; i++) await cache.get(`k${i}`)
    clock.advance(5_000)
    await cache.get('probe')
    expect(cache.stats().tiers[1]?.reads.circuit).toBe('open')
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
