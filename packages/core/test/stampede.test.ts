import { setTimeout as sleep } from 'node:timers/promises'
import { createClock, createFlakyStore, createMapStore } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import { TieredCache } from '../src/index.js'

describe('stampede', () => {
  it('1 000 concurrent callers on one cold key share one load', async () => {
    const cache = new TieredCache({ stores: [createMapStore('l1')] })
    let release!: (value: string) => void
    const queryFn = vi.fn(
      () =>
        new Promise<string>((resolve) => {
          release = resolve
        }),
    )
    const callers = Array.from({ length: 1_000 }, () => cache.swr({ queryKey: 'cold', queryFn }))
    release('loaded')
    const values = await Promise.all(callers)
    expect(new Set(values)).toEqual(new Set(['loaded']))
    expect(queryFn).toHaveBeenCalledTimes(1)
    expect(cache.stats()).toMatchObject({ loads: 1, misses: 1_000 })
  })

  it('concurrent callers over an asynchronous tier share one read of it and one load', async () => {
    const l2 = createFlakyStore(createMapStore('l2', { async: true }))
    const cache = new TieredCache({ stores: [createMapStore('l1'), l2] })
    await cache.swr({ queryKey: 'warm-up', queryFn: async () => 0 })
    const readsBefore = l2.calls.get + (l2.calls.getMany ?? 0)
    const queryFn = vi.fn(async () => 'v')
    const values = await Promise.all(
      Array.from({ length: 100 }, () => cache.swr({ queryKey: 'cold', queryFn })),
    )
    expect(values.every((value) => value === 'v')).toBe(true)
    expect(queryFn).toHaveBeenCalledTimes(1)
    expect(l2.calls.get + (l2.calls.getMany ?? 0) - readsBefore).toBe(1)
  })

  it('many stale readers start one background refresh', async () => {
    const clock = createClock()
    const cache = new TieredCache({
      stores: [createMapStore('l1')],
      now: clock.now,
      defaultTtl: '1m',
      defaultFresh: '1s',
    })
    await cache.swr({ queryKey: 'k', queryFn: async () => 1 })
    clock.advance(1_000)
    const refresh = vi.fn(() => sleep(20, 2))
    for (let round = 0; round < 5; round++) {
      await Promise.all(Array.from({ length: 50 }, () => cache.swr({ queryKey: 'k', queryFn: refresh })))
    }
    expect(refresh).toHaveBeenCalledTimes(1)
    await vi.waitFor(async () => expect(await cache.get('k')).toBe(2))
  })

  it('distinct keys load independently', async () => {
    const cache = new TieredCache({ stores: [createMapStore('l1')] })
    const queryFn = vi.fn(async ({ key }: { key: string }) => key.toUpperCase())
    const values = await Promise.all(
      ['a', 'b', 'c', 'a', 'b', 'c'].map((key) => cache.swr({ queryKey: key, queryFn })),
    )
    expect(values).toEqual(['A', 'B', 'C', 'A', 'B', 'C'])
    expect(queryFn).toHaveBeenCalledTimes(3)
  })
})
