// The fleet's rules (DESIGN "Fleet", lock rule 6) as fast unit tests: several caches in one process share a store
// (the "Redis"), an in-memory bus and an in-memory lock. The real-process tests live in tests/integration.

import { setTimeout as sleep } from 'node:timers/promises'
import {
  createClock,
  createMapStore,
  createMemoryBus,
  createMemoryLock,
  type MemoryLock,
} from '@tiered/testing'
import { describe, expect, it } from 'vitest'
import { type CacheStore, TieredCache } from '../src/index.js'

function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return
    await sleep(10)
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** A member of the fleet: its own memory over the shared store. */
function member(
  shared: CacheStore,
  fleet: { lock?: MemoryLock; bus?: ReturnType<typeof createMemoryBus>; now?: () => number },
) {
  return new TieredCache({
    stores: [createMapStore('memory', { local: true }), shared],
    ...(fleet.now === undefined ? {} : { now: fleet.now }),
    ...(fleet.lock === undefined ? {} : { lock: fleet.lock }),
    ...(fleet.bus === undefined ? {} : { bus: fleet.bus.bus() }),
  })
}

describe('rule 6: a call resolves what a loader returned or an entry within its bounds', () => {
  it('a miss that joins a refresh whose lease is held elsewhere waits for a value, not undefined', async () => {
    // The case of issue 16: the refresh asks for the lease, which answers "held elsewhere" late; meanwhile the
    // entry's ttl passes and the next caller joins that refresh. The cache's clock is the test's; the lock's lease
    // runs on real time.
    const clock = createClock()
    const shared = createMapStore('shared', { async: true })
    const lock = createMemoryLock()
    const gate = deferred<void>()
    let first = true
    lock.beforeAcquire = async (key) => {
      if (!first) return
      first = false
      await gate.promise
      lock.hold(key, 100)
    }
    const cache = new TieredCache({
      stores: [createMapStore('memory', { local: true }), shared],
      lock,
      now: clock.now,
    })
    await cache.set('j', 'old', { ttl: 300, fresh: 100 })
    clock.advance(150)
    const queryFn = async () => 'new'
    await expect(cache.swr({ queryKey: 'j', queryFn })).resolves.toBe('old')
    await until(() => lock.calls.acquire === 1, 'the refresh asking for the lease')
    clock.advance(200)
    const joined = cache.swr({ queryKey: 'j', queryFn })
    gate.resolve()
    await expect(joined).resolves.toBe('new')
    await cache.close()
  })

  it('a miss that joins such a refresh gets the holder’s value once the bus announces it', async () => {
    const shared = createMapStore('shared', { async: true })
    const lock = createMemoryLock()
    const bus = createMemoryBus()
    // The caches' clock is the test's: the stores keep the entry (real time) while the caches see it expire.
    const clock = createClock(Date.now())
    const a = member(shared, { lock, bus, now: clock.now })
    const b = member(shared, { lock, bus, now: clock.now })
    await Promise.all([a.ready(), b.ready()])
    await a.set('k', 'old', { ttl: 10_000, fresh: 50 })
    clock.advance(60)
    // Another process (b's role) holds the lease while it loads.
    const token = lock.hold('k', 5_000)
    let loads = 0
    await expect(a.swr({ queryKey: 'k', queryFn: async () => ++loads })).resolves.toBe('old')
    await until(() => lock.calls.acquire === 1, 'the refresh asking for the lease')
    clock.advance(10_000)
    const waiting = a.swr({ queryKey: 'k', queryFn: async () => ++loads })
    await sleep(50)
    await b.set('k', 'from holder')
    await lock.release('k', token)
    await expect(waiting).resolves.toBe('from holder')
    expect(loads).toBe(0)
    await Promise.all([a.close(), b.close()])
  })

  it('a waiter whose holder dies takes the lease when it lapses and loads', async () => {
    const shared = createMapStore('shared', { async: true })
    const lock = createMemoryLock()
    const cache = member(shared, { lock })
    lock.hold('k', 150)
    const started = Date.now()
    await expect(cache.swr({ queryKey: 'k', queryFn: async () => 'mine' })).resolves.toBe('mine')
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    await cache.close()
  })

  it('forceFresh does not join a refresh started before it', async () => {
    const cache = new TieredCache({ stores: [createMapStore('memory', { local: true })] })
    await cache.set('k', 'old', { ttl: 10_000, fresh: 1 })
    await sleep(5)
    const refresh = deferred<string>()
    await expect(cache.swr({ queryKey: 'k', queryFn: () => refresh.promise })).resolves.toBe('old')
    const forced = cache.swr({ queryKey: 'k', queryFn: async () => 'forced', forceFresh: true })
    refresh.resolve('refreshed before')
    await expect(forced).resolves.toBe('forced')
    // The older refresh does not overwrite what the forceFresh load wrote.
    await sleep(5)
    await expect(cache.get('k')).resolves.toBe('forced')
    await cache.close()
  })

  it('forceFresh does not join a load started before it; forceFresh calls of one tick share one load', async () => {
    const cache = new TieredCache({ stores: [createMapStore('memory', { local: true })] })
    const load = deferred<string>()
    const missed = cache.swr({ queryKey: 'k', queryFn: () => load.promise })
    let forcedLoads = 0
    const queryFn = async () => `forced ${++forcedLoads}`
    const forced = [
      cache.swr({ queryKey: 'k', queryFn, forceFresh: true }),
      cache.swr({ queryKey: 'k', queryFn, forceFresh: true }),
    ]
    load.resolve('started before')
    await expect(missed).resolves.toBe('started before')
    await expect(Promise.all(forced)).resolves.toEqual(['forced 1', 'forced 1'])
    await cache.close()
  })

  it('a swrMany key joins a running swr load, and a swr call joins a swrMany load', async () => {
    const cache = new TieredCache({ stores: [createMapStore('memory', { local: true })] })
    const one = deferred<string>()
    const swr = cache.swr({ queryKey: 'a', queryFn: () => one.promise })
    const many = cache.swrMany({
      queryKeys: ['a', 'b'],
      queryFn: async ({ keys }) => keys.map((k) => `many ${k}`),
    })
    one.resolve('one a')
    await expect(swr).resolves.toBe('one a')
    await expect(many).resolves.toEqual(['one a', 'many b'])

    const bulk = deferred<string[]>()
    const many2 = cache.swrMany({ queryKeys: ['c', 'd'], queryFn: () => bulk.promise })
    const swr2 = cache.swr({ queryKey: 'd', queryFn: async () => 'one d' })
    bulk.resolve(['many c', 'many d'])
    await expect(many2).resolves.toEqual(['many c', 'many d'])
    await expect(swr2).resolves.toBe('many d')
    await cache.close()
  })

  it('a swrMany key whose refresh found the lease held elsewhere waits for the holder when it misses', async () => {
    const shared = createMapStore('shared', { async: true })
    const lock = createMemoryLock()
    const clock = createClock(Date.now())
    const cache = member(shared, { lock, now: clock.now })
    await cache.set('m', 'old', { ttl: 10_000, fresh: 50 })
    clock.advance(60)
    lock.hold('m', 250)
    let loads = 0
    const queryFn = async ({ keys }: { keys: readonly string[] }) => keys.map(() => `loaded ${++loads}`)
    await expect(cache.swrMany({ queryKeys: ['m'], queryFn })).resolves.toEqual(['old'])
    await until(() => lock.calls.acquire === 1, 'the refresh asking for the lease')
    clock.advance(10_000)
    // The entry expired; the lease lapses without a value, so this call loads.
    await expect(cache.swrMany({ queryKeys: ['m'], queryFn })).resolves.toEqual(['loaded 1'])
    await cache.close()
  })
})

describe('grace: the newest entry wins across tiers', () => {
  it('serves another process’s newer value from the shared tier over an expired copy in memory', async () => {
    const shared = createMapStore('shared', { async: true })
    const bus = createMemoryBus()
    const a = new TieredCache({
      stores: [createMapStore('memory', { local: true }), shared],
      bus: bus.bus(),
      defaultTtl: 200,
      defaultStaleIfError: '1h',
    })
    const b = new TieredCache({
      stores: [createMapStore('memory', { local: true }), shared],
      bus: bus.bus(),
      defaultTtl: 200,
      defaultStaleIfError: '1h',
    })
    await Promise.all([a.ready(), b.ready()])
    await expect(a.swr({ queryKey: 'k', queryFn: async () => 'v1' })).resolves.toBe('v1')
    await sleep(5)
    await b.set('k', 'v2')
    await until(() => bus.published.length >= 2, 'the notice of b')
    await sleep(20)
    await sleep(300)
    const failing = async (): Promise<string> => {
      throw new Error('source down')
    }
    await expect(a.swr({ queryKey: 'k', queryFn: failing })).resolves.toBe('v2')
    await expect(b.swr({ queryKey: 'k', queryFn: failing })).resolves.toBe('v2')
    await Promise.all([a.close(), b.close()])
  })
})
