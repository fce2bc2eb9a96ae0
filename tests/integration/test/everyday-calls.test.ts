// The everyday calls through memory over a real Redis: has, deleteMany (one UNLINK, one bus notice), ttl: Infinity
// (no expiry in Redis), ctx.stale for a conditional refresh, and the cache-wide timers.

import KeyvRedis from '@keyv/redis'
import { type QueryFunctionContext, TieredCache } from '@tiered/core'
import { createKeyvStore } from '@tiered/store-keyv'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisBus, createRedisStore } from '@tiered/store-redis'
import { commandsUnder, createClock, watchCommands } from '@tiered/testing'
import type { Redis } from 'ioredis'
import { Keyv } from 'keyv'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { connectRedis, uniquePrefix } from './support/redis.js'

let redis: Redis
beforeAll(() => {
  redis = connectRedis()
})
afterAll(() => {
  redis.disconnect()
})

const FOREVER_TTL = Number.POSITIVE_INFINITY

/** A member of a fleet over one Redis: its own memory tier, the shared Redis tier, and the bus. */
function member(prefix: string, options: { now?: () => number; maxSize?: number; bus?: boolean } = {}) {
  const memory = createMemoryStore('memory', { maxSize: options.maxSize ?? 1_000 })
  const cache = new TieredCache({
    stores: [memory, createRedisStore('redis', redis, { keyPrefix: prefix })],
    bus: options.bus === false ? undefined : createRedisBus(redis, { channel: `${prefix}bus` }),
    now: options.now,
  })
  return { cache, memory }
}

/** Every message published on `channel`, read by a raw subscriber of our own. */
async function listen(channel: string) {
  const subscriber = redis.duplicate()
  const messages: string[] = []
  subscriber.on('message', (_, text: string) => messages.push(text))
  await subscriber.subscribe(channel)
  return { messages, stop: () => subscriber.disconnect() }
}

describe('has', () => {
  it('sees an entry in Redis from a cold process without writing it into that process’s memory', async () => {
    const prefix = uniquePrefix('has')
    const a = member(prefix, { bus: false })
    const b = member(prefix, { bus: false })
    await a.cache.set('k', 'v')
    expect(await b.cache.has('k')).toBe(true)
    expect(b.memory.get('k')).toBeUndefined()
    expect(await b.cache.has('missing')).toBe(false)
    expect(b.cache.stats()).toMatchObject({ hits: 0, misses: 0 })
    await Promise.all([a.cache.close(), b.cache.close()])
  })

  it('is false in every process once a tag invalidated the entry', async () => {
    const prefix = uniquePrefix('has-tags')
    const a = member(prefix)
    const b = member(prefix)
    await Promise.all([a.cache.ready(), b.cache.ready()])
    await a.cache.set('k', 'v', { tags: ['t'] })
    expect(await b.cache.has('k')).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 2))
    await a.cache.deleteByTag(['t'])
    await vi.waitFor(async () => expect(await b.cache.has('k')).toBe(false), { timeout: 2_000, interval: 5 })
    await Promise.all([a.cache.close(), b.cache.close()])
  })
})

describe('deleteMany', () => {
  it('one UNLINK of every key in Redis, one bus notice, and every memory copy in the fleet dropped', async () => {
    const prefix = uniquePrefix('delete-many')
    const a = member(prefix)
    const b = member(prefix)
    await Promise.all([a.cache.ready(), b.cache.ready()])
    const keys = ['k1', 'k2', 'k3', 'k4']
    for (const key of keys) await a.cache.set(key, key)
    for (const key of keys) expect(await b.cache.get(key)).toBe(key)
    expect(keys.every((key) => b.memory.get(key) !== undefined)).toBe(true)
    const bus = await listen(`${prefix}bus`)
    const url = new URL(inject('redisUrl'))
    const watch = await watchCommands(url.hostname, Number(url.port))
    await a.cache.deleteMany(keys)
    const commands = commandsUnder(await watch.stop(), prefix).filter(
      ([name]) => name === 'del' || name === 'unlink',
    )
    expect(commands).toEqual([['unlink', ...keys.map((key) => prefix + key)]])
    await vi.waitFor(() => expect(bus.messages).toHaveLength(1), { timeout: 2_000, interval: 5 })
    expect(JSON.parse(bus.messages[0] as string)).toEqual([1, 'd', expect.any(String), keys])
    await vi.waitFor(() => expect(keys.some((key) => b.memory.get(key) !== undefined)).toBe(false), {
      timeout: 2_000,
      interval: 5,
    })
    for (const key of keys) expect(await b.cache.has(key)).toBe(false)
    expect(await redis.exists(...keys.map((key) => prefix + key))).toBe(0)
    bus.stop()
    await Promise.all([a.cache.close(), b.cache.close()])
  })
})

describe('ttl: Infinity', () => {
  it('is stored in Redis with no expiry (PTTL -1), by set and by a bulk load', async () => {
    const prefix = uniquePrefix('forever')
    const { cache } = member(prefix, { bus: false })
    await cache.set('one', 'v', { ttl: FOREVER_TTL })
    await cache.get('warm-up')
    await cache.swrMany({
      queryKeys: ['many-a', 'many-b'],
      queryFn: async ({ keys }) => keys.map((key) => `${key}!`),
      ttl: FOREVER_TTL,
    })
    for (const key of ['one', 'many-a', 'many-b']) expect(await redis.pttl(prefix + key)).toBe(-1)
    // A forever entry overwritten with a ttl expires again.
    await cache.set('one', 'v', { ttl: '1m' })
    expect(await redis.pttl(`${prefix}one`)).toBeGreaterThan(0)
    await cache.close()
  })

  it('a tagged forever entry lives tagTtl in Redis and is still invalidated by its tag', async () => {
    const prefix = uniquePrefix('forever-tags')
    const cache = new TieredCache({
      stores: [createMemoryStore('memory'), createRedisStore('redis', redis, { keyPrefix: prefix })],
      tagTtl: '1h',
    })
    await cache.set('k', 'v', { ttl: FOREVER_TTL, tags: ['t'] })
    const pttl = await redis.pttl(`${prefix}k`)
    expect(pttl).toBeGreaterThan(3_500_000)
    expect(pttl).toBeLessThanOrEqual(3_600_000)
    await new Promise((resolve) => setTimeout(resolve, 2))
    await cache.deleteByTag(['t'])
    expect(await cache.get('k')).toBeUndefined()
    await cache.close()
  })

  it('is still evicted from a bounded memory tier, and then served from Redis', async () => {
    const prefix = uniquePrefix('forever-lru')
    const { cache, memory } = member(prefix, { maxSize: 2, bus: false })
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`)
    for (const key of keys) await cache.set(key, key, { ttl: FOREVER_TTL })
    expect(memory.get('k0')).toBeUndefined()
    expect(await cache.get('k0')).toBe('k0')
    await cache.close()
  })

  it('is kept by a Keyv tier on Redis without a ttl', async () => {
    const namespace = uniquePrefix('forever-keyv')
    const keyv = new Keyv({ store: new KeyvRedis(inject('redisUrl')), namespace })
    const cache = new TieredCache({ stores: [createMemoryStore('memory'), createKeyvStore('keyv', keyv)] })
    await cache.set('k', 'v', { ttl: FOREVER_TTL })
    const [stored] = await redis.keys(`*${namespace}*k`)
    expect(stored).toBeDefined()
    expect(await redis.pttl(stored as string)).toBe(-1)
    const reader = new TieredCache({ stores: [createKeyvStore('keyv', keyv)] })
    expect(await reader.get('k')).toBe('v')
    await Promise.all([cache.close(), reader.close()])
    await keyv.disconnect()
  })
})

describe('ctx.stale', () => {
  it('a 304 keeps the value read from Redis, with the new lifetime written back', async () => {
    const prefix = uniquePrefix('stale-304')
    const clock = createClock(Date.now())
    const a = member(prefix, { now: clock.now, bus: false })
    let etag = '"v1"'
    const requests: { ifNoneMatch: string | undefined; stale: unknown }[] = []
    const queryFn = async ({ stale, setOptions }: QueryFunctionContext) => {
      const ifNoneMatch = stale === undefined ? undefined : (stale.value as { etag: string }).etag
      requests.push({ ifNoneMatch, stale })
      if (ifNoneMatch === etag) {
        setOptions({ ttl: '1h', fresh: '10m' })
        return stale?.value as { etag: string; body: string }
      }
      return { etag, body: 'first body' }
    }
    const options = { queryKey: 'doc', queryFn, ttl: '10m', fresh: '1m' } as const
    await a.cache.swr(options)
    const createdAt = clock.now()
    await a.cache.close()
    // Another process, its memory cold, finds the entry stale in Redis: it serves it and refreshes it with a 304.
    clock.advance(120_000)
    const b = member(prefix, { now: clock.now, bus: false })
    expect(await b.cache.swr(options)).toEqual({ etag: '"v1"', body: 'first body' })
    await vi.waitFor(() => expect(requests).toHaveLength(2), { timeout: 2_000, interval: 5 })
    expect(requests[1]).toEqual({
      ifNoneMatch: '"v1"',
      stale: { value: { etag: '"v1"', body: 'first body' }, createdAt },
    })
    await vi.waitFor(async () => expect(await redis.pttl(`${prefix}doc`)).toBeGreaterThan(600_000), {
      timeout: 2_000,
      interval: 5,
    })
    etag = '"v2"'
    clock.advance(300_000)
    expect(await b.cache.swr(options)).toEqual({ etag: '"v1"', body: 'first body' })
    expect(requests).toHaveLength(2)
    await b.cache.close()
  })
})

describe('defaultTimeout and defaultSoftTimeout', () => {
  it('serve the grace entry from Redis when a reload is slow, and bound a load that never ends', async () => {
    const prefix = uniquePrefix('timers')
    const clock = createClock(Date.now())
    const make = () =>
      new TieredCache({
        stores: [createMemoryStore('memory'), createRedisStore('redis', redis, { keyPrefix: prefix })],
        now: clock.now,
        defaultSoftTimeout: '30ms',
        defaultTimeout: '300ms',
      })
    const a = make()
    const options = { queryKey: 'k', ttl: '1m', staleIfError: '1h' } as const
    await a.swr({ ...options, queryFn: async () => 'old' })
    clock.advance(120_000)
    const b = make()
    const slow = () => new Promise<string>((resolve) => setTimeout(() => resolve('new'), 150))
    expect(await b.swr({ ...options, queryFn: slow })).toBe('old')
    await vi.waitFor(async () => expect(await a.get('k')).toBe('new'), { timeout: 2_000, interval: 10 })
    await expect(b.swr({ queryKey: 'cold', queryFn: () => new Promise(() => {}) })).rejects.toMatchObject({
      code: 'TIERED_TIMEOUT',
    })
    await Promise.all([a.close(), b.close()])
  })
})
