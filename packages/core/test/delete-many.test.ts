// cache.deleteMany(keys): one batched invalidation per tier, one bus notice, running loads superseded.

import { createClock, createFlakyStore, createMapStore } from '@tiered/testing'
import { describe, expect, it } from 'vitest'
import { type BusMessage, type CacheBus, TieredCache } from '../src/index.js'
import { localStore, twoTiers as tiers } from './support/two-tiers.js'

/** A bus that records what the cache publishes. */
function recordingBus(): CacheBus & { published: BusMessage[] } {
  const published: BusMessage[] = []
  return { published, publish: (message) => void published.push(message), subscribe: () => undefined }
}

function twoTiers(options: { batch?: boolean } = {}) {
  const bus = recordingBus()
  return { ...tiers({ ...options, bus }), bus }
}

describe('deleteMany(keys)', () => {
  it('removes every key from every tier with one deleteMany call per tier', async () => {
    const { cache, l1, l2 } = twoTiers()
    await Promise.all(['a', 'b', 'c', 'keep'].map((key) => cache.set(key, key)))
    await cache.deleteMany(['a', ['b'], 'c'])
    expect([l1.calls.deleteMany, l2.calls.deleteMany]).toEqual([1, 1])
    expect([l1.calls.delete, l2.calls.delete]).toEqual([0, 0])
    for (const key of ['a', 'b', 'c']) {
      expect(l1.get(key)).toBeUndefined()
      expect(await l2.get(key)).toBeUndefined()
    }
    expect(await cache.get('keep')).toBe('keep')
  })

  it('deletes key by key in a store without deleteMany', async () => {
    const { cache, l1, l2 } = twoTiers({ batch: false })
    await Promise.all(['a', 'b'].map((key) => cache.set(key, key)))
    await cache.deleteMany(['a', 'b'])
    expect([l1.calls.delete, l2.calls.delete]).toEqual([2, 2])
    expect(await cache.has('a')).toBe(false)
    expect(await cache.has('b')).toBe(false)
  })

  it('publishes one delete notice naming every key', async () => {
    const { cache, bus } = twoTiers()
    await cache.ready()
    await cache.deleteMany(['a', 'b', 'c'])
    expect(bus.published).toEqual([{ type: 'delete', keys: ['a', 'b', 'c'], origin: expect.any(String) }])
  })

  it('supersedes a load of one of the keys already running: its older value is not written', async () => {
    const { cache } = twoTiers()
    let finish: (value: string) => void = () => {}
    const loading = cache.swr({ queryKey: 'a', queryFn: () => new Promise<string>((r) => (finish = r)) })
    await new Promise((resolve) => setTimeout(resolve, 5))
    await cache.deleteMany(['a', 'b'])
    finish('loaded before the delete')
    await expect(loading).resolves.toBe('loaded before the delete')
    expect(await cache.has('a')).toBe(false)
  })

  it('is not undone by a slow set of the same key issued just before it', async () => {
    const clock = createClock()
    const remote = createMapStore('remote', { async: true })
    const l2 = createFlakyStore(remote, { name: 'remote', async: true })
    const cache = new TieredCache({ stores: [localStore('l1'), l2], now: clock.now })
    l2.delay('set', 30)
    const set = cache.set('a', 'v')
    await cache.deleteMany(['a', 'b'])
    await set
    expect(await remote.get('a')).toBeUndefined()
  })

  it('rejects with an AggregateError naming the tier that failed; the other tiers are cleaned', async () => {
    const clock = createClock()
    const l1 = localStore('l1')
    const l2 = createFlakyStore(createMapStore('remote', { async: true }), { name: 'remote' })
    const cache = new TieredCache({ stores: [l1, l2], now: clock.now, onError: () => {} })
    await cache.set('a', 1)
    l2.failNext('deleteMany')
    const failure = await cache.deleteMany(['a', 'b']).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(AggregateError)
    expect((failure as Error).message).toContain('"remote"')
    expect(l1.get('a')).toBeUndefined()
  })

  it('on a namespace view removes the view’s keys only', async () => {
    const { cache } = twoTiers()
    const users = cache.namespace('users')
    await users.set('1', 'ada')
    await cache.set('1', 'outside')
    await users.deleteMany(['1'])
    expect(await users.has('1')).toBe(false)
    expect(await cache.get('1')).toBe('outside')
  })

  it('an empty list does nothing; a bad key rejects before anything is removed', async () => {
    const { cache, l1 } = twoTiers()
    await cache.set('a', 1)
    await cache.deleteMany([])
    await expect(cache.deleteMany(['a', []])).rejects.toBeInstanceOf(RangeError)
    await expect(cache.deleteMany('a' as never)).rejects.toBeInstanceOf(TypeError)
    expect(l1.calls.deleteMany).toBe(0)
    expect(await cache.get('a')).toBe(1)
  })
})
