// swrMany on a real Redis: one MGET for a page, one queryFn call for its misses, and with a bus and a lock one load
// per key for the whole fleet, whether the other member asks with swrMany or swr.

import { type ManyQueryFunctionContext, TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisBus, createRedisLock, createRedisStore } from '@tiered/store-redis'
import { commandsUnder, createClock, watchCommands } from '@tiered/testing'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { connectRedis, uniquePrefix } from './support/redis.js'

let redis: Redis
beforeAll(() => {
  redis = connectRedis()
})
afterAll(() => {
  redis.disconnect()
})

/** `refused` hears of each key whose lease this member asked for and found held elsewhere. */
function member(prefix: string, fleet = true, now?: () => number, refused?: (key: string) => void) {
  const lock = createRedisLock(redis, { keyPrefix: `${prefix}lock:` })
  return new TieredCache({
    ...(now === undefined ? {} : { now }),
    stores: [createMemoryStore('memory'), createRedisStore('redis', redis, { keyPrefix: prefix })],
    ...(fleet
      ? {
          bus: createRedisBus(redis, { channel: `${prefix}bus` }),
          lock: {
            acquire: async (key: string, ttlMs: number) => {
              const token = await lock.acquire(key, ttlMs)
              if (token === undefined) refused?.(key)
              return token
            },
            release: (key: string, token: string) => lock.release(key, token),
          },
        }
      : {}),
  })
}

const page = (n: number) => Array.from({ length: n }, (_, i) => `item:${i}`)

describe('swrMany on Redis', () => {
  it('a page of 100 with 90 in Redis: one MGET, no GET, one queryFn call for the 10 missing', async () => {
    const prefix = uniquePrefix('page')
    const writer = member(prefix, false)
    const keys = page(100)
    const missing = keys.filter((_, i) => i % 10 === 7)
    for (const key of keys) if (!missing.includes(key)) await writer.set(key, `cached:${key}`)
    const reader = member(prefix, false)
    const url = new URL(inject('redisUrl'))
    const watch = await watchCommands(url.hostname, Number(url.port))
    const queryFn = vi.fn(async ({ keys: asked }: ManyQueryFunctionContext) =>
      asked.map((key) => `loaded:${key}`),
    )
    const values = await reader.swrMany({ queryKeys: keys, queryFn })
    const commands = commandsUnder(await watch.stop(), prefix).map(([name]) => name)
    expect(values).toEqual(keys.map((key) => (missing.includes(key) ? `loaded:${key}` : `cached:${key}`)))
    expect(queryFn).toHaveBeenCalledTimes(1)
    expect(queryFn.mock.calls[0]?.[0].keys).toEqual(missing)
    expect(commands.filter((name) => name === 'mget')).toHaveLength(1)
    expect(commands.filter((name) => name === 'get')).toHaveLength(0)
    // The loaded values are in Redis for the fleet.
    expect(await writer.get('item:7')).toBe('loaded:item:7')
    await Promise.all([writer.close(), reader.close()])
  })

  it('two members asking for the same cold page at once load each key once in the fleet', async () => {
    const prefix = uniquePrefix('fleet')
    const [a, b] = [member(prefix), member(prefix)]
    await Promise.all([a.ready(), b.ready()])
    const asked: string[] = []
    const queryFn = async ({ keys }: ManyQueryFunctionContext) => {
      asked.push(...keys)
      await new Promise((resolve) => setTimeout(resolve, 50))
      return keys.map((key) => `v:${key}`)
    }
    const keys = page(20)
    const [fromA, fromB] = await Promise.all([
      a.swrMany({ queryKeys: keys, queryFn }),
      b.swrMany({ queryKeys: keys, queryFn }),
    ])
    const expected = keys.map((key) => `v:${key}`)
    expect(fromA).toEqual(expected)
    expect(fromB).toEqual(expected)
    expect(asked.sort()).toEqual([...keys].sort())
    expect(await redis.keys(`${prefix}lock:*`)).toEqual([])
    await Promise.all([a.close(), b.close()])
  })

  it('stale keys seen by two members are refreshed once in the fleet: each key by the member that got its lease', async () => {
    const prefix = uniquePrefix('refresh')
    const clock = createClock(Date.now())
    const [a, b] = [member(prefix, true, clock.now), member(prefix, true, clock.now)]
    await Promise.all([a.ready(), b.ready()])
    const keys = page(20)
    const first = async ({ keys: asked }: ManyQueryFunctionContext) => asked.map((key) => `old:${key}`)
    await a.swrMany({ queryKeys: keys, queryFn: first, fresh: '10s', ttl: '1m' })
    await b.swrMany({ queryKeys: keys, queryFn: first, fresh: '10s', ttl: '1m' })
    clock.advance(10_000)
    const refreshed: string[] = []
    const queryFn = async ({ keys: asked }: ManyQueryFunctionContext) => {
      refreshed.push(...asked)
      await new Promise((resolve) => setTimeout(resolve, 100))
      return asked.map((key) => `new:${key}`)
    }
    const served = await Promise.all([
      a.swrMany({ queryKeys: keys, queryFn, fresh: '10s', ttl: '1m' }),
      b.swrMany({ queryKeys: keys, queryFn, fresh: '10s', ttl: '1m' }),
    ])
    // Stale values are served at once.
    expect(served).toEqual([keys.map((key) => `old:${key}`), keys.map((key) => `old:${key}`)])
    await vi.waitFor(
      async () => {
        // get never loads: this waits without starting refreshes of its own.
        for (const cache of [a, b])
          expect(await Promise.all(keys.map((key) => cache.get(key)))).toEqual(
            keys.map((key) => `new:${key}`),
          )
      },
      { timeout: 5_000, interval: 20 },
    )
    expect(refreshed.sort()).toEqual([...keys].sort())
    expect(await redis.keys(`${prefix}lock:*`)).toEqual([])
    await Promise.all([a.close(), b.close()])
  })

  it('swr on another member waits for the key that swrMany holds the lease of, and does not load it', async () => {
    const prefix = uniquePrefix('join')
    const refused: string[] = []
    const [a, b] = [member(prefix), member(prefix, true, undefined, (key) => refused.push(key))]
    await Promise.all([a.ready(), b.ready()])
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const many = vi.fn(async ({ keys }: ManyQueryFunctionContext) => {
      await gate
      return keys.map((key) => `bulk:${key}`)
    })
    const bulk = a.swrMany({ queryKeys: ['x', 'y'], queryFn: many })
    await vi.waitFor(() => expect(many).toHaveBeenCalledTimes(1), { timeout: 5_000, interval: 5 })
    const single = vi.fn(async () => 'single')
    const one = b.swr({ queryKey: 'y', queryFn: single })
    // b found the lease held by a and waits for a's value.
    await vi.waitFor(() => expect(refused).toContain('y'), { timeout: 5_000, interval: 5 })
    release()
    expect(await one).toBe('bulk:y')
    expect(await bulk).toEqual(['bulk:x', 'bulk:y'])
    expect(single).not.toHaveBeenCalled()
    await Promise.all([a.close(), b.close()])
  })

  it('swrMany on another member waits for the key swr is loading and asks its own queryFn only for the rest', async () => {
    const prefix = uniquePrefix('joinmany')
    const [a, b] = [member(prefix), member(prefix)]
    await Promise.all([a.ready(), b.ready()])
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const single = vi.fn(async () => {
      await gate
      return 'single:y'
    })
    const one = a.swr({ queryKey: 'y', queryFn: single })
    await vi.waitFor(() => expect(single).toHaveBeenCalledTimes(1), { timeout: 5_000, interval: 5 })
    const many = vi.fn(async ({ keys }: ManyQueryFunctionContext) => keys.map((key) => `bulk:${key}`))
    const bulk = b.swrMany({ queryKeys: ['x', 'y', 'z'], queryFn: many })
    await vi.waitFor(() => expect(many).toHaveBeenCalledTimes(1), { timeout: 5_000, interval: 5 })
    expect(many.mock.calls[0]?.[0].keys).toEqual(['x', 'z'])
    release()
    expect(await bulk).toEqual(['bulk:x', 'single:y', 'bulk:z'])
    expect(await one).toBe('single:y')
    expect(many).toHaveBeenCalledTimes(1)
    await Promise.all([a.close(), b.close()])
  })

  it('a delete during the bulk load keeps that key out of Redis, the other keys reach the fleet', async () => {
    const prefix = uniquePrefix('delete')
    const [a, b] = [member(prefix), member(prefix)]
    await Promise.all([a.ready(), b.ready()])
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const many = vi.fn(async ({ keys }: ManyQueryFunctionContext) => {
      await gate
      return keys.map((key) => `old:${key}`)
    })
    const bulk = a.swrMany({ queryKeys: ['x', 'y'], queryFn: many })
    await vi.waitFor(() => expect(many).toHaveBeenCalledTimes(1), { timeout: 5_000, interval: 5 })
    await a.delete('x')
    release()
    await bulk
    expect(await redis.exists(`${prefix}x`)).toBe(0)
    expect(await b.get('y')).toBe('old:y')
    await Promise.all([a.close(), b.close()])
  })
})
