// DESIGN "Fleet", lock rule 7: what a fleet load costs the shared tier. A stale entry's refresh with a lease and a
// delivering bus reads no shared tier (a refresh made elsewhere is announced, and its notice supersedes this one);
// the holder of a cold key's lease reads nothing again before it loads; a waiter reads once, when the bus announces
// the key.

import { setTimeout } from 'node:timers/promises'
import { createFlakyLock, createMapStore, createMemoryBus, createMemoryLock } from '@tiered/testing'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { type CacheEntry, type CacheStore, type HeldLease, TieredCache } from '../src/index.js'

function fleetOf(count: number) {
  const shared = createMapStore('shared', { async: true })
  const lock = createMemoryLock()
  const hub = createMemoryBus()
  const members = Array.from({ length: count }, () => {
    const cache = new TieredCache({
      stores: [createMapStore('memory', { local: true }), shared],
      lock,
      bus: hub.bus(),
    })
    onTestFinished(() => cache.close())
    return { cache }
  })
  return { shared, lock, hub, members }
}

describe('Redis commands per fleet load', () => {
  it('a stale refresh with a lease and a bus: lease, load, write, publish, release, and no read', async () => {
    const { shared, lock, hub, members } = fleetOf(1)
    const { cache } = members[0] as (typeof members)[0]
    await cache.ready()
    let loads = 0
    const options = { queryKey: 'k', fresh: 20, ttl: 60_000, queryFn: () => `v${++loads}` }
    expect(await cache.swr(options)).toBe('v1')
    await setTimeout(40)
    const before = {
      ...shared.calls,
      acquired: lock.asked.length,
      released: lock.calls.release,
      published: hub.published.length,
    }
    expect(await cache.swr(options)).toBe('v1')
    await vi.waitFor(() => expect(lock.calls.release).toBe(before.released + 1), { timeout: 2_000 })
    expect(loads).toBe(2)
    expect(shared.calls.get - before.get).toBe(0)
    expect((shared.calls.getMany ?? 0) - (before.getMany ?? 0)).toBe(0)
    expect(shared.calls.set - before.set).toBe(1)
    expect(lock.asked.length - before.acquired).toBe(1)
    await vi.waitFor(() => expect(hub.published.length).toBe(before.published + 1), { timeout: 2_000 })
  })

  it('a refresh whose key another process refreshed meanwhile (announced) does not load again', async () => {
    const { members } = fleetOf(2)
    const [a, b] = members as [(typeof members)[0], (typeof members)[0]]
    await Promise.all([a.cache.ready(), b.cache.ready()])
    const loads = { a: 0, b: 0 }
    const options = (who: 'a' | 'b') => ({
      queryKey: 'k',
      fresh: 20,
      ttl: 60_000,
      queryFn: () => `${who}${++loads[who]}`,
    })
    expect(await a.cache.swr(options('a'))).toBe('a1')
    expect(await b.cache.swr(options('b'))).toBe('a1')
    await setTimeout(40)
    // Both see the entry stale; a's refresh holds the lease, so b's skips. a's notice reaches b.
    await Promise.all([a.cache.swr(options('a')), b.cache.swr(options('b'))])
    await vi.waitFor(async () => expect(await b.cache.get('k')).toBe('a2'), { timeout: 2_000 })
    expect(loads).toEqual({ a: 2, b: 0 })
  })

  it('a cold key in a fleet of 3: one lease, one load, one write, one notice; each waiter reads once', async () => {
    const { shared, lock, hub, members } = fleetOf(3)
    await Promise.all(members.map((member) => member.cache.ready()))
    let loads = 0
    const queryFn = async () => {
      await setTimeout(30)
      return `v${++loads}`
    }
    const values = await Promise.all(members.map(({ cache }) => cache.swr({ queryKey: 'cold', queryFn })))
    expect(values).toEqual(['v1', 'v1', 'v1'])
    expect(loads).toBe(1)
    expect(shared.calls.set).toBe(1)
    // Each process's miss reads once; each waiter reads once more when the notice names the key.
    expect(shared.calls.get + (shared.calls.getMany ?? 0)).toBe(3 + 2)
    expect(lock.asked.length).toBe(3)
    expect(hub.published.length).toBe(1)
  })

  it("a notice that came while the waiter's lease request was still out wakes it: it reads at once", async () => {
    const shared = createMapStore('shared', { async: true })
    const inner = createMemoryLock()
    const hub = createMemoryBus()
    // b's lock answers "held" 100 ms late, and "held" ever after: only the notice can tell b the value landed.
    const slow = createFlakyLock(inner)
    slow.delay('acquire', 100)
    slow.holdAlways()
    const a = new TieredCache({
      stores: [createMapStore('memory', { local: true }), shared],
      lock: inner,
      bus: hub.bus(),
    })
    const b = new TieredCache({
      stores: [createMapStore('memory', { local: true }), shared],
      lock: slow,
      bus: hub.bus(),
      lockTtl: '5s',
    })
    onTestFinished(() => Promise.all([a.close(), b.close()]).then(() => {}))
    await Promise.all([a.ready(), b.ready()])
    const started = performance.now()
    const [fromA, fromB] = await Promise.all([
      a.swr({ queryKey: 'k', queryFn: () => 'a' }),
      b.swr({ queryKey: 'k', queryFn: () => 'b' }),
    ])
    expect([fromA, fromB]).toEqual(['a', 'a'])
    // Missing the notice, b would wait out the lease (5 s) and more.
    expect(performance.now() - started).toBeLessThan(2_000)
  })
})

describe('the lease ends with the value write (rule 7)', () => {
  /** A shared store offering setAndRelease that answers `answer` (true: it ended the lease). */
  function sharedEnding(answer: boolean | Error) {
    const store = createMapStore('shared', { async: true })
    const leases: HeldLease[] = []
    const shared: CacheStore = Object.assign(store, {
      async setAndRelease(key: string, entry: CacheEntry, ttlMs: number, lease: HeldLease) {
        leases.push(lease)
        if (answer instanceof Error) throw answer
        await store.set(key, entry, ttlMs)
        return answer
      },
    })
    return { shared, leases }
  }

  it('a store that ends the lease with its write: the lock is not asked to release', async () => {
    const { shared, leases } = sharedEnding(true)
    const lock = createMemoryLock()
    const cache = new TieredCache({ stores: [createMapStore('memory', { local: true }), shared], lock })
    onTestFinished(() => cache.close())
    expect(await cache.swr({ queryKey: 'k', queryFn: () => 'v' })).toBe('v')
    expect(leases).toEqual([{ lock, key: 'k', token: expect.any(String) }])
    await setTimeout(20)
    expect(lock.calls.release).toBe(0)
  })

  it.each([
    ['only wrote (false)', false],
    ['failed', new Error('down')],
  ] as const)('a store that %s: the lock releases the lease', async (_, answer) => {
    const { shared, leases } = sharedEnding(answer)
    const lock = createMemoryLock()
    const cache = new TieredCache({
      stores: [createMapStore('memory', { local: true }), shared],
      lock,
      onError: () => {},
    })
    onTestFinished(() => cache.close())
    expect(await cache.swr({ queryKey: 'k', queryFn: () => 'v' })).toBe('v')
    expect(leases).toHaveLength(1)
    await vi.waitFor(() => expect(lock.calls.release).toBe(1), { timeout: 2_000 })
    expect(lock.held('k')).toBe(false)
  })

  it('a store without setAndRelease: the lock releases the lease right behind the write', async () => {
    const lock = createMemoryLock()
    const cache = new TieredCache({
      stores: [createMapStore('memory', { local: true }), createMapStore('shared', { async: true })],
      lock,
    })
    onTestFinished(() => cache.close())
    expect(await cache.swr({ queryKey: 'k', queryFn: () => 'v' })).toBe('v')
    await vi.waitFor(() => expect(lock.calls.release).toBe(1), { timeout: 2_000 })
  })
})
