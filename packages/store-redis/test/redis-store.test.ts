// The store's basics: round trip, option checks, the client left to its owner, the ioredis major under test.

import { TieredCache } from '@tiered/core'
import { describe, expect, it } from 'vitest'
import { createRedisStore, RedisStore } from '../src/index.js'
import {
  connectRedis,
  entryOf,
  ioredisMajor,
  ioredisVersion,
  Redis,
  uniquePrefix,
  useRedis,
} from './support/redis.js'

describe('createRedisStore', () => {
  const redis = useRedis()

  it(`runs on ioredis ${ioredisMajor}, as this vitest project says`, () => {
    expect(Number(ioredisVersion.split('.')[0])).toBe(ioredisMajor)
    expect(redis).toBeInstanceOf(Redis)
  })

  it('stores, reads and deletes a whole entry: the value and its four timestamps', async () => {
    const store = createRedisStore('redis', redis, { keyPrefix: uniquePrefix('basic') })
    const entry = entryOf({ name: 'Ada', tags: ['x', 'y'], nested: { n: 1.5, ok: true, none: null } })
    await store.set('user:1', entry, 60_000)
    expect(await store.get('user:1')).toEqual(entry)
    await store.delete('user:1')
    expect(await store.get('user:1')).toBeUndefined()
    expect(await store.get('never-written')).toBeUndefined()
  })

  it('overwrites an entry and its ttl', async () => {
    const prefix = uniquePrefix('overwrite')
    const store = createRedisStore('redis', redis, { keyPrefix: prefix })
    await store.set('k', entryOf('first'), 60_000)
    await store.set('k', entryOf('second'), 120_000)
    expect((await store.get('k'))?.value).toBe('second')
    expect(await redis.pttl(`${prefix}k`)).toBeGreaterThan(60_000)
  })

  it('refuses a bad name, client, keyPrefix or serializer', () => {
    expect(() => createRedisStore('', redis)).toThrow(TypeError)
    expect(() => createRedisStore('redis', {} as Redis)).toThrow(/ioredis Redis or Cluster/)
    expect(() => createRedisStore('redis', redis, { keyPrefix: 1 as unknown as string })).toThrow(TypeError)
    expect(() => createRedisStore('redis', redis, { serializer: { serialize: () => '' } as never })).toThrow(
      /serializer/,
    )
  })

  it("refuses a client with ioredis's own keyPrefix, which SCAN would not honour in clear()", () => {
    const prefixed = new Redis({ lazyConnect: true, keyPrefix: 'app:' })
    try {
      expect(() => createRedisStore('redis', prefixed, { keyPrefix: 'cache:' })).toThrow(/keyPrefix/)
    } finally {
      prefixed.disconnect()
    }
  })

  it('is a RedisStore exposing its name, client and keyPrefix', () => {
    const store = createRedisStore('l2', redis, { keyPrefix: 'p:' })
    expect(store).toBeInstanceOf(RedisStore)
    expect(store.name).toBe('l2')
    expect(store.client).toBe(redis)
    expect(store.keyPrefix).toBe('p:')
  })

  it("leaves the application's client open when the cache closes", async () => {
    const client = connectRedis()
    try {
      const cache = new TieredCache({ stores: [createRedisStore('redis', client, { keyPrefix: 'close:' })] })
      await cache.close()
      expect(await client.ping()).toBe('PONG')
      expect(client.status).toBe('ready')
    } finally {
      client.disconnect()
    }
  })
})
