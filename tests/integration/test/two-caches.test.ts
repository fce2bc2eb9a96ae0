// Two caches in one process over one Redis, each with its own memory tier, joined by the Redis bus and lock: the
// smallest fleet, before the tests of real processes.

import { TieredCache } from '@tiered/core'
import { createKeyvStore } from '@tiered/store-keyv'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisBus, createRedisLock, createRedisStore } from '@tiered/store-redis'
import type { Redis } from 'ioredis'
import { Keyv } from 'keyv'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { connectRedis, uniquePrefix } from './support/redis.js'

let redis: Redis
beforeAll(() => {
  redis = connectRedis()
})
afterAll(() => {
  redis.disconnect()
})

function member(prefix: string) {
  return new TieredCache({
    stores: [createMemoryStore('memory'), createRedisStore('redis', redis, { keyPrefix: prefix })],
    bus: createRedisBus(redis, { channel: `${prefix}bus` }),
    lock: createRedisLock(redis, { keyPrefix: `${prefix}lock:` }),
  })
}

describe('two caches over one Redis with a bus and a lock', () => {
  it('a set in one is served by the other at once, not its old memory copy', async () => {
    const prefix = uniquePrefix('two')
    const [a, b] = [member(prefix), member(prefix)]
    await Promise.all([a.ready(), b.ready()])
    await a.set('k', 'v1')
    expect(await b.swr({ queryKey: 'k', queryFn: async () => 'loaded' })).toBe('v1')
    await a.set('k', 'v2')
    await vi.waitFor(
      async () => expect(await b.swr({ queryKey: 'k', queryFn: async () => 'loaded' })).toBe('v2'),
      {
        timeout: 2_000,
        interval: 5,
      },
    )
    await a.delete('k')
    await vi.waitFor(async () => expect(await b.get('k')).toBeUndefined(), { timeout: 2_000, interval: 5 })
    await Promise.all([a.close(), b.close()])
  })

  it('a cold key asked of both at once is loaded once', async () => {
    const prefix = uniquePrefix('cold')
    const [a, b] = [member(prefix), member(prefix)]
    await Promise.all([a.ready(), b.ready()])
    let loads = 0
    const queryFn = async () => {
      loads++
      await new Promise((resolve) => setTimeout(resolve, 50))
      return 'value'
    }
    const values = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).swr({ queryKey: 'cold', queryFn })),
    )
    expect(values.every((value) => value === 'value')).toBe(true)
    expect(loads).toBe(1)
    expect(await redis.keys(`${prefix}lock:*`)).toEqual([])
    await Promise.all([a.close(), b.close()])
  })

  it('a Keyv tier created with local: true is kept true by the bus like a memory tier', async () => {
    const prefix = uniquePrefix('keyv-local')
    const member = () =>
      new TieredCache({
        stores: [
          createKeyvStore('local-keyv', new Keyv(), { local: true }),
          createRedisStore('redis', redis, { keyPrefix: prefix }),
        ],
        bus: createRedisBus(redis, { channel: `${prefix}bus` }),
      })
    const [a, b] = [member(), member()]
    await Promise.all([a.ready(), b.ready()])
    await a.set('k', 'v1')
    expect(await b.swr({ queryKey: 'k', queryFn: async () => 'loaded' })).toBe('v1')
    await a.set('k', 'v2')
    await vi.waitFor(
      async () => expect(await b.swr({ queryKey: 'k', queryFn: async () => 'loaded' })).toBe('v2'),
      {
        timeout: 2_000,
        interval: 5,
      },
    )
    await Promise.all([a.close(), b.close()])
  })
})
