// DESIGN "Fleet", lock rule 5: the lock and the bus each have a circuit, as a tier does. After failureThreshold
// failures in a row it opens: loads skip the lease at once and notices wait in the retry queue; the engine probes in
// the background every cooldown, never through a caller, and closes it when the part answers.

import { setTimeout } from 'node:timers/promises'
import {
  createClock,
  createFlakyBus,
  createFlakyLock,
  createMapStore,
  createMemoryBus,
  createMemoryLock,
  type MapStore,
  type MemoryLock,
} from '@tiered/testing'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { type BusHandlers, type CacheBus, PROBE_KEY, TieredCache } from '../src/index.js'

describe('the lock circuit', () => {
  it('opens after failureThreshold timeouts; then loads skip the lease without calling the lock', async () => {
    const lock = createFlakyLock(createMemoryLock())
    const events: unknown[] = []
    const cache = new TieredCache({
      stores: [createMapStore('memory', { local: true }), createMapStore('shared', { async: true })],
      lock,
      storeTimeout: 40,
      circuitBreaker: { failureThreshold: 3, cooldown: '1h' },
      onError: () => {},
    })
    onTestFinished(() => cache.close())
    cache.on('circuit-open', (event) => events.push(event))
    lock.hang('acquire')
    // Three cold keys each wait storeTimeout for the hung lock, then load alone.
    for (let i = 0; i < 3; i++) {
      expect(await cache.swr({ queryKey: `cold${i}`, queryFn: () => i })).toBe(i)
    }
    expect(events).toEqual([{ part: 'lock', failures: 3, retryAt: expect.any(Number) }])
    expect(cache.stats().lock).toEqual({ circuit: 'open', failures: 3 })
    // The outage costs no more waits: the lock is not called, and a cold key is a load at once.
    const asked = lock.calls.acquire
    const started = performance.now()
    for (let i = 0; i < 20; i++) {
      expect(await cache.swr({ queryKey: `later${i}`, queryFn: () => i })).toBe(i)
    }
    expect(lock.calls.acquire).toBe(asked)
    expect(cache.stats().loads).toBe(23)
    // 20 waits of storeTimeout would be 800 ms; no wait at all is a few ms.
    expect(performance.now() - started).toBeLessThan(400)
  })

  it('is probed in the background with a lease on the probe key, and closes when the lock answers', async () => {
    const inner = createMemoryLock()
    const lock = createFlakyLock(inner)
    const closed = vi.fn()
    const cache = new TieredCache({
      stores: [createMapStore('memory', { local: true }), createMapStore('shared', { async: true })],
      lock,
      storeTimeout: 40,
      circuitBreaker: { failureThreshold: 2, cooldown: 10 },
      onError: () => {},
    })
    onTestFinished(() => cache.close())
    cache.on('circuit-close', closed)
    lock.failAlways('all')
    await cache.swr({ queryKey: 'a', queryFn: () => 1 })
    await cache.swr({ queryKey: 'b', queryFn: () => 2 })
    expect(cache.stats().lock?.circuit).toBe('open')
    await vi.waitFor(() => expect(lock.calls.acquire).toBeGreaterThanOrEqual(4), { timeout: 2_000 })
    expect(cache.stats().lock?.circuit).toBe('open')
    lock.heal()
    await vi.waitFor(() => expect(closed).toHaveBeenCalledWith({ part: 'lock' }), { timeout: 2_000 })
    // Only probes reached the lock while it was open, each on the probe key.
    expect(new Set(inner.asked)).toEqual(new Set([PROBE_KEY]))
    expect(cache.stats().lock).toEqual({ circuit: 'closed', failures: 0 })
    // Back to one lease per cold key.
    await cache.swr({ queryKey: 'c', queryFn: () => 3 })
    expect(inner.asked.at(-1)).toBe('c')
  })

  it('a lock that answers "held" is healthy: the circuit stays closed', async () => {
    const lock = createFlakyLock(createMemoryLock())
    const cache = new TieredCache({
      stores: [createMapStore('memory', { local: true }), createMapStore('shared', { async: true })],
      lock,
      storeTimeout: 200,
      circuitBreaker: { failureThreshold: 1, cooldown: '1h' },
    })
    onTestFinished(() => cache.close())
    await cache.set('k', 'old', { ttl: '1h', fresh: 1 })
    await setTimeout(5)
    lock.holdAlways()
    // A stale hit's refresh finds the lease held elsewhere and skips: no failure.
    expect(await cache.swr({ queryKey: 'k', queryFn: () => 'new' })).toBe('old')
    await setTimeout(20)
    expect(cache.stats().lock).toEqual({ circuit: 'closed', failures: 0 })
  })
})

describe('the bus circuit', () => {
  it('opens after failureThreshold failed publishes; notices wait in the queue and go out once a ping answers', async () => {
    const hub = createMemoryBus()
    const flaky = createFlakyBus(hub.bus())
    const shared = createMapStore('shared', { async: true })
    const events: unknown[] = []
    const options = {
      storeTimeout: 40,
      circuitBreaker: { failureThreshold: 2, cooldown: 20 },
      onError: () => {},
    }
    const a = new TieredCache({
      stores: [createMapStore('memory', { local: true }), shared],
      bus: flaky,
      ...options,
    })
    const b = new TieredCache({
      stores: [createMapStore('memory', { local: true }), shared],
      bus: hub.bus(),
      ...options,
    })
    onTestFinished(() => Promise.all([a.close(), b.close()]).then(() => {}))
    await Promise.all([a.ready(), b.ready()])
    a.on('circuit-open', (event) => events.push(event))
    a.on('circuit-close', (event) => events.push(event))
    await a.set('k', 'v1')
    // The hub delivers a notice on a later task: b reads once a's notice about 'k' reached it.
    await vi.waitFor(() => expect(hub.published).toHaveLength(1), { timeout: 2_000 })
    await new Promise(setImmediate)
    expect(await b.get('k')).toBe('v1')

    flaky.failAlways('publish')
    flaky.failAlways('ping')
    await a.set('x', 1)
    await vi.waitFor(() => expect(a.stats().bus?.circuit).toBe('open'), { timeout: 2_000 })
    expect(events).toEqual([{ part: 'bus', failures: 2, retryAt: expect.any(Number) }])
    // While open, a change is queued, not published; probes are pings.
    const publishes = flaky.calls.publish
    await a.set('k', 'v2')
    await vi.waitFor(() => expect(flaky.calls.ping).toBeGreaterThanOrEqual(2), { timeout: 2_000 })
    expect(flaky.calls.publish).toBe(publishes)
    expect(await b.get('k')).toBe('v1')

    flaky.heal()
    await vi.waitFor(() => expect(events.at(-1)).toEqual({ part: 'bus' }), { timeout: 2_000 })
    // The queued notice reached b, whose memory copy is now expired: it reads the shared tier.
    await vi.waitFor(async () => expect(await b.get('k')).toBe('v2'), { timeout: 2_000 })
    expect(a.stats().bus).toEqual({ circuit: 'closed', failures: 0 })
  })

  it('without ping, the probe is a notice about the probe key', async () => {
    const inner = createMemoryBus().bus({ ping: false })
    const flaky = createFlakyBus(inner)
    const cache = new TieredCache({
      stores: [createMapStore('memory', { local: true })],
      bus: flaky,
      storeTimeout: 40,
      circuitBreaker: { failureThreshold: 1, cooldown: 10 },
      onError: () => {},
    })
    onTestFinished(() => cache.close())
    await cache.ready()
    flaky.failNext('publish')
    await cache.set('k', 1)
    await vi.waitFor(() => expect(cache.stats().bus?.circuit).toBe('open'), { timeout: 2_000 })
    const sent = vi.spyOn(inner, 'publish')
    await vi.waitFor(() => expect(cache.stats().bus?.circuit).toBe('closed'), { timeout: 2_000 })
    expect(sent.mock.calls[0]?.[0]).toMatchObject({ type: 'set', keys: [PROBE_KEY] })
  })
})

describe('the bus reconnected', () => {
  it('probes its open circuit at once when the subscriber is back (gap), not at the next cooldown', async () => {
    let handlers: BusHandlers | undefined
    const hub = createMemoryBus().bus()
    const inner: CacheBus = {
      publish: (message) => hub.publish(message),
      subscribe(given) {
        handlers = given
      },
      ping: () => {},
    }
    const bus = createFlakyBus(inner)
    const cache = new TieredCache({
      stores: [createMapStore('memory', { local: true })],
      bus,
      storeTimeout: 40,
      circuitBreaker: { failureThreshold: 1, cooldown: '1h' },
      onError: () => {},
    })
    onTestFinished(() => cache.close())
    await cache.ready()
    bus.failNext('publish')
    await cache.set('k', 1)
    await vi.waitFor(() => expect(cache.stats().bus?.circuit).toBe('open'), { timeout: 2_000 })
    handlers?.gap()
    await vi.waitFor(() => expect(cache.stats().bus?.circuit).toBe('closed'), { timeout: 2_000 })
    expect(bus.calls.ping).toBe(1)
  })
})

/**
 * Another process holds the lease of 'k' and writes its value without a notice reaching `cache`: a caller of
 * `cache` finds it by polling, well before the lease (5 s) would have ended.
 */
async function expectPolled(cache: TieredCache, lock: MemoryLock, shared: MapStore): Promise<void> {
  const token = lock.hold('k', 5_000)
  const started = performance.now()
  const answer = cache.swr({ queryKey: 'k', queryFn: () => 'loaded here' })
  await setTimeout(30)
  const now = Date.now()
  const entry = {
    value: 'holder',
    createdAt: now,
    freshUntil: now + 60_000,
    expiresAt: now + 60_000,
    graceUntil: now + 60_000,
  }
  await shared.set('k', entry, 60_000)
  expect(await answer).toBe('holder')
  expect(performance.now() - started).toBeLessThan(2_000)
  await lock.release('k', token)
}

describe('waiting for a holder while the bus circuit is open', () => {
  it('polls the shared tiers, since no notice will announce the value', async () => {
    const inner = createMemoryLock()
    const bus = createFlakyBus(createMemoryBus().bus())
    const shared = createMapStore('shared', { async: true })
    const cache = new TieredCache({
      stores: [createMapStore('memory', { local: true }), shared],
      lock: inner,
      bus,
      lockTtl: '5s',
      storeTimeout: 40,
      circuitBreaker: { failureThreshold: 1, cooldown: '1h' },
      onError: () => {},
    })
    onTestFinished(() => cache.close())
    await cache.ready()
    bus.failAlways('all')
    await cache.set('opener', 1)
    await vi.waitFor(() => expect(cache.stats().bus?.circuit).toBe('open'), { timeout: 2_000 })
    await expectPolled(cache, inner, shared)
  })
})

describe('waiting for a holder while the subscription is lost', () => {
  it('polls the shared tiers from lost() until gap()', async () => {
    let handlers: BusHandlers | undefined
    const inner = createMemoryLock()
    const shared = createMapStore('shared', { async: true })
    const cache = new TieredCache({
      stores: [createMapStore('memory', { local: true }), shared],
      lock: inner,
      bus: {
        publish: () => {},
        subscribe(given) {
          handlers = given
        },
      },
      lockTtl: '5s',
    })
    onTestFinished(() => cache.close())
    await cache.ready()
    handlers?.lost?.()
    await expectPolled(cache, inner, shared)
  })

  it("polls right after gap() too: the others' notices of the outage may still wait in their queues", async () => {
    let handlers: BusHandlers | undefined
    const inner = createMemoryLock()
    const shared = createMapStore('shared', { async: true })
    const cache = new TieredCache({
      stores: [createMapStore('memory', { local: true }), shared],
      lock: inner,
      bus: {
        publish: () => {},
        subscribe(given) {
          handlers = given
        },
      },
      lockTtl: '5s',
    })
    onTestFinished(() => cache.close())
    await cache.ready()
    handlers?.lost?.()
    handlers?.gap()
    await expectPolled(cache, inner, shared)
  })
})

describe('one clock', () => {
  it("a circuit's retryAt reads the cache's now, for a tier, the lock and the bus", async () => {
    const clock = createClock(1_000_000)
    const lock = createFlakyLock(createMemoryLock())
    const bus = createFlakyBus(createMemoryBus().bus())
    const shared = createMapStore('shared', { async: true })
    const retryAt: number[] = []
    const cache = new TieredCache({
      stores: [createMapStore('memory', { local: true }), shared],
      lock,
      bus,
      now: clock.now,
      storeTimeout: 40,
      circuitBreaker: { failureThreshold: 1, cooldown: '1h' },
      onError: () => {},
    })
    onTestFinished(() => cache.close())
    await cache.ready()
    cache.on('circuit-open', (event) => retryAt.push(event.retryAt))
    lock.failAlways('all')
    bus.failAlways('all')
    vi.spyOn(shared, 'get').mockRejectedValue(new Error('down'))
    await cache.swr({ queryKey: 'k', queryFn: () => 1 })
    await vi.waitFor(() => expect(retryAt).toHaveLength(3), { timeout: 2_000 })
    expect(retryAt).toEqual([1_000_000 + 3_600_000, 1_000_000 + 3_600_000, 1_000_000 + 3_600_000])
  })

  it('circuitBreaker: false leaves the lock and the bus without circuits', async () => {
    const lock = createFlakyLock(createMemoryLock())
    const cache = new TieredCache({
      stores: [createMapStore('memory', { local: true })],
      lock,
      storeTimeout: 20,
      circuitBreaker: false,
      onError: () => {},
    })
    onTestFinished(() => cache.close())
    lock.failAlways('all')
    for (let i = 0; i < 10; i++) await cache.swr({ queryKey: `k${i}`, queryFn: () => i })
    expect(lock.calls.acquire).toBe(10)
    expect(cache.stats().lock).toEqual({ circuit: 'closed', failures: 0 })
  })
})
