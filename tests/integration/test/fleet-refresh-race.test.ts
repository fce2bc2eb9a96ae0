// One refresh per fleet, at the edge: a process whose refresh read the shared tier just before another process
// wrote its refreshed value, and got the lease just after that process released it, must not load again. Two caches
// in one process over one Redis with the Redis bus and lock; the second one's lock is the real Redis lock behind a
// gate (a slow network, held open by the test) so that the order is certain.

import { type CacheLock, TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisBus, createRedisLock, createRedisStore } from '@tiered/store-redis'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { connectRedis, uniquePrefix } from './support/redis.js'

let redis: Redis
beforeAll(() => {
  redis = connectRedis()
})
afterAll(() => {
  redis.disconnect()
})

/** The Redis lock, with acquire held at a gate while `armed`; counts releases. */
function gatedLock(lock: CacheLock) {
  let open: () => void = () => {}
  let gate: Promise<void> | undefined
  const state = {
    releases: 0,
    waiting: false,
    arm() {
      gate = new Promise<void>((resolve) => {
        open = resolve
      })
    },
    open: () => open(),
    lock: {
      async acquire(key: string, ttlMs: number) {
        if (gate !== undefined) {
          state.waiting = true
          await gate
          gate = undefined
        }
        return lock.acquire(key, ttlMs)
      },
      async release(key: string, token: string) {
        await lock.release(key, token)
        state.releases++
      },
    } satisfies CacheLock,
  }
  return state
}

/**
 * Two caches over one Redis with the bus and lock on a clock the test moves; B's lock is gated. Each counts its
 * loads of `k`.
 */
async function race(label: string) {
  const prefix = uniquePrefix(label)
  let clock = Date.now()
  const now = () => clock
  const member = (lock: CacheLock) =>
    new TieredCache({
      stores: [createMemoryStore('memory'), createRedisStore('redis', redis, { keyPrefix: prefix })],
      bus: createRedisBus(redis, { channel: `${prefix}bus` }),
      lock,
      now,
    })
  const gated = gatedLock(createRedisLock(redis, { keyPrefix: `${prefix}lock:` }))
  const a = member(createRedisLock(redis, { keyPrefix: `${prefix}lock:` }))
  const b = member(gated.lock)
  await Promise.all([a.ready(), b.ready()])
  const loads = { a: 0, b: 0 }
  const options = (who: 'a' | 'b', value: string) => ({
    queryKey: 'k',
    fresh: 1_000,
    ttl: 3_600_000,
    queryFn: async () => {
      loads[who]++
      return value
    },
  })
  const later = (ms: number) => {
    clock += ms
  }
  return { prefix, a, b, gated, loads, options, later }
}

it('a refresh that gets the lease after another process refreshed the key reads it instead of loading again', async () => {
  const { prefix, a, b, gated, loads, options, later } = await race('refresh-race')
  try {
    expect(await a.swr(options('a', 'v1'))).toBe('v1')
    expect(await b.swr(options('b', 'never'))).toBe('v1')
    later(2_000)
    // B's refresh reads Redis (stale there too) and then waits for its lease at the gate.
    gated.arm()
    expect(await b.swr(options('b', 'v2-from-b'))).toBe('v1')
    await vi.waitFor(() => expect(gated.waiting).toBe(true), { timeout: 2_000, interval: 5 })
    // Meanwhile A refreshes the key for the fleet: loads, writes, publishes, releases.
    expect(await a.swr(options('a', 'v2'))).toBe('v1')
    await vi.waitFor(async () => expect(await redis.keys(`${prefix}lock:*`)).toEqual([]), {
      timeout: 2_000,
      interval: 5,
    })
    await vi.waitFor(async () => expect(await b.get('k')).toBe('v2'), { timeout: 2_000, interval: 5 })
    expect(loads).toEqual({ a: 2, b: 0 })
    // Now B gets the lease, which is free: the key was refreshed since B read it, so B must not load.
    gated.open()
    await vi.waitFor(() => expect(gated.releases).toBe(1), { timeout: 2_000, interval: 5 })
    expect(loads).toEqual({ a: 2, b: 0 })
    expect(await b.swr(options('b', 'never'))).toBe('v2')
  } finally {
    gated.open()
    await Promise.all([a.close(), b.close()])
  }
})

it('the same when the stale hit came from Redis itself (no tier below it): the refresh reads Redis again', async () => {
  const { prefix, a, b, gated, loads, options, later } = await race('refresh-race-l2')
  try {
    expect(await a.swr(options('a', 'v1'))).toBe('v1')
    later(2_000)
    // B has no memory copy: its stale hit is Redis's, and its refresh waits for the lease at the gate.
    gated.arm()
    expect(await b.swr(options('b', 'v2-from-b'))).toBe('v1')
    await vi.waitFor(() => expect(gated.waiting).toBe(true), { timeout: 2_000, interval: 5 })
    expect(await a.swr(options('a', 'v2'))).toBe('v1')
    await vi.waitFor(() => expect(loads.a).toBe(2), { timeout: 2_000, interval: 5 })
    await vi.waitFor(async () => expect(await redis.keys(`${prefix}lock:*`)).toEqual([]), {
      timeout: 2_000,
      interval: 5,
    })
    expect(loads).toEqual({ a: 2, b: 0 })
    gated.open()
    await vi.waitFor(() => expect(gated.releases).toBe(1), { timeout: 2_000, interval: 5 })
    expect(loads).toEqual({ a: 2, b: 0 })
  } finally {
    gated.open()
    await Promise.all([a.close(), b.close()])
  }
})
