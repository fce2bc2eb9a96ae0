// Writes and invalidations of one key reach every tier in the order they were made, whatever batching happens
// underneath: a delete, expire or clear is never undone by an earlier write arriving late.

import { createMapStore } from '@tiered/testing'
import { describe, expect, it } from 'vitest'
import { type CacheEntry, type CacheStore, TieredCache } from '../src/index.js'

/** An asynchronous tier (applying each call when it is made, as a Redis connection does) whose writes of `slow`
 * take 20 ms: while one is out, the engine batches the writes that follow. */
function setup() {
  const l1 = createMapStore('l1')
  const l2 = createMapStore('l2', { async: true })
  const set = l2.set
  l2.set = (key, entry, ttlMs) => {
    const written = set(key, entry, ttlMs)
    return key === 'slow' ? new Promise((resolve) => setTimeout(resolve, 20)) : written
  }
  const cache = new TieredCache({ stores: [l1, l2] })
  return { l1, l2, cache }
}

const microtasks = async (count: number) => {
  for (let i = 0; i < count; i++) await Promise.resolve()
}

describe('order of writes and invalidations of one key', () => {
  it('a delete in the same tick as a set wins, although the set was held for a batch', async () => {
    const { l1, l2, cache } = setup()
    await cache.get('warm-up') // the engine learns l2 is asynchronous
    const inFlight = cache.set('slow', 0) // one write out: the next ones are batched
    const set = cache.set('k', 'v1')
    const removed = cache.delete('k')
    await Promise.all([inFlight, set, removed])
    expect(await l2.get('k')).toBeUndefined()
    expect(l1.get('k')).toBeUndefined()
    expect(await cache.get('k')).toBeUndefined()
  })

  it('a clear in the same tick as a set wins', async () => {
    const { l2, cache } = setup()
    await cache.get('warm-up')
    const inFlight = cache.set('slow', 0)
    const set = cache.set('k', 'v1')
    const cleared = cache.clear()
    await Promise.all([inFlight, set, cleared])
    expect(await l2.get('k')).toBeUndefined()
    expect(await l2.get('slow')).toBeUndefined()
    expect(await cache.get('k')).toBeUndefined()
  })

  it('a set after a delete in the same tick stays', async () => {
    const { l2, cache } = setup()
    await cache.get('warm-up')
    const inFlight = cache.set('slow', 0)
    const calls = [cache.set('k', 'v1'), cache.delete('k'), cache.set('k', 'v2')]
    await Promise.all([inFlight, ...calls])
    expect((await l2.get('k'))?.value).toBe('v2')
    expect(await cache.get('k')).toBe('v2')
  })

  it('a delete made at any point while a load finishes writing is never undone (40 microtask offsets)', async () => {
    for (let offset = 0; offset < 40; offset++) {
      const { l1, l2, cache } = setup()
      await cache.get('warm-up')
      let finish: (value: string) => void = () => {}
      const load = cache.swr({
        queryKey: 'k',
        queryFn: () => new Promise<string>((resolve) => (finish = resolve)),
      })
      await new Promise((resolve) => setTimeout(resolve, 1))
      const inFlight = cache.set('slow', 0)
      finish('old') // the load has its value; its writes are under way
      await microtasks(offset)
      await Promise.all([cache.delete('k'), load, inFlight])
      expect(await l2.get('k'), `offset ${offset}`).toBeUndefined()
      expect(l1.get('k'), `offset ${offset}`).toBeUndefined()
    }
  })

  it('a store whose delete overtakes its set (more awaits in set) still ends in call order', async () => {
    // Keyv's set awaits hooks and the serializer before it writes; its delete writes sooner.
    const held = new Map<string, CacheEntry>()
    const store: CacheStore = {
      name: 'uneven',
      get: async (key) => held.get(key),
      set: async (key, entry) => {
        await microtasks(10)
        held.set(key, entry)
      },
      delete: async (key) => {
        held.delete(key)
      },
    }
    const cache = new TieredCache({ stores: [store] })
    await Promise.all([cache.set('k', 'v1'), cache.delete('k')])
    expect(held.has('k')).toBe(false)
  })

  it('gives stores whole milliseconds of at least 1, whatever the clock', async () => {
    const seen: number[] = []
    const store: CacheStore = {
      name: 'ttl-recorder',
      get: () => undefined,
      set: (_key, _entry, ttlMs) => {
        seen.push(ttlMs)
      },
      delete: () => {},
    }
    let now = 1_000.25
    const cache = new TieredCache({ stores: [store], now: () => now })
    await cache.set('a', 1, { ttl: 1_500.5 })
    now += 0.5
    await cache.set('b', 1, { ttl: 0.3 })
    expect(seen).toEqual([1_501, 1])
    for (const ttl of seen) expect(Number.isInteger(ttl)).toBe(true)
  })
})
