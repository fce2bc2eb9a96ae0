// A listener that calls back into the cache (set, swr) must not change another call's lifetime or state: no
// mutable state is reachable from a re-entrant call.

import { createClock, createMapStore } from '@tiered/testing'
import { describe, expect, it } from 'vitest'
import { TieredCache } from '../src/index.js'

describe('re-entrant calls from listeners', () => {
  it('a hit listener that calls set() with other durations leaves the refresh of k its own ttl and fresh', async () => {
    const clock = createClock()
    const l1 = createMapStore('l1')
    const cache = new TieredCache({ stores: [l1], now: clock.now })
    await cache.get('warm-up') // the engine learns l1 answers synchronously: the hot path from now on
    await cache.set('k', 'v0', { ttl: '1s', fresh: '500ms' })
    clock.advance(600) // stale
    cache.on('hit', (event) => {
      if (event.key === 'k') void cache.set('other', 1, { ttl: '1h', fresh: '1h' })
    })
    const value = await cache.swr({ queryKey: 'k', ttl: '1s', fresh: '500ms', queryFn: async () => 'v1' })
    expect(value).toBe('v0')
    await new Promise((resolve) => setTimeout(resolve, 10))
    const refreshed = l1.get('k') as {
      value: unknown
      createdAt: number
      freshUntil: number
      expiresAt: number
    }
    expect(refreshed.value).toBe('v1')
    expect(refreshed.freshUntil - clock.now()).toBe(500)
    expect(refreshed.expiresAt - clock.now()).toBe(1_000)
  })

  it('a miss listener that calls swr() for another key with other durations does not change this load', async () => {
    const clock = createClock()
    const l1 = createMapStore('l1')
    const cache = new TieredCache({ stores: [l1], now: clock.now })
    await cache.get('warm-up')
    cache.on('miss', (event) => {
      if (event.key === 'k')
        void cache.swr({ queryKey: 'side', ttl: '1h', fresh: '1h', queryFn: async () => 0 })
    })
    await cache.swr({ queryKey: 'k', ttl: '2s', fresh: '1s', queryFn: async () => 'v' })
    const entry = l1.get('k') as { freshUntil: number; expiresAt: number }
    expect(entry.freshUntil - clock.now()).toBe(1_000)
    expect(entry.expiresAt - clock.now()).toBe(2_000)
  })
})
