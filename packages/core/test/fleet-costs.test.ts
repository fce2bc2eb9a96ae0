// What a fleet load costs in the shared store and the lock (DESIGN "Fleet", lock rule 7), and batched invalidation:
// the lease is released right behind the value's write, not one round trip later, and a notice naming many keys
// removes them from a local tier with one deleteMany.

import { setTimeout as sleep } from 'node:timers/promises'
import { createFlakyStore, createMapStore, createMemoryBus, createMemoryLock } from '@tiered/testing'
import { describe, expect, it } from 'vitest'
import { TieredCache } from '../src/index.js'

describe('the lease and the write', () => {
  it('the release goes out while the write is still on its way, not after it settled', async () => {
    const shared = createFlakyStore(createMapStore('shared'), { async: true })
    const lock = createMemoryLock()
    const cache = new TieredCache({ stores: [createMapStore('memory', { local: true }), shared], lock })
    shared.delay('set', 100)
    let releasedBeforeWritten: boolean | undefined
    const released = lock.release
    let written = false
    lock.release = (key, token) => {
      releasedBeforeWritten ??= !written
      return released(key, token)
    }
    const loaded = cache.swr({ queryKey: 'k', queryFn: async () => 'v' })
    await sleep(20)
    expect(lock.held('k')).toBe(false)
    await loaded
    written = true
    expect(releasedBeforeWritten).toBe(true)
    expect(lock.calls).toEqual({ acquire: 1, release: 1 })
    await cache.close()
  })
})

describe('batched invalidation', () => {
  it('a delete notice naming many keys is one deleteMany in each local tier', async () => {
    const bus = createMemoryBus()
    const shared = createMapStore('shared', { async: true })
    const memoryB = createMapStore('memory', { local: true })
    const a = new TieredCache({ stores: [createMapStore('memory', { local: true }), shared], bus: bus.bus() })
    const b = new TieredCache({ stores: [memoryB, shared], bus: bus.bus() })
    await Promise.all([a.ready(), b.ready()])
    const keys = ['k1', 'k2', 'k3']
    for (const key of keys) await b.set(key, key)
    expect(memoryB.size).toBe(3)
    // Deletes of one tick go out as one notice.
    await Promise.all(keys.map((key) => a.delete(key)))
    for (let i = 0; i < 100 && memoryB.size > 0; i++) await sleep(5)
    expect(memoryB.size).toBe(0)
    expect(memoryB.calls.deleteMany).toBe(1)
    expect(memoryB.calls.delete).toBe(0)
    await Promise.all([a.close(), b.close()])
  })
})
