// The store's basics: round trip, option checks, the client left to its owner, the client library under test.

import { TieredCache } from '@tiered/core'
import { describe, expect, inject, it } from 'vitest'
import { createRedisStore, RedisStore } from '../src/index.js'
import {
  clientLabel,
  clientLibrary,
  clientMajor,
  clientVersion,
  connectClient,
  disconnect,
  entryOf,
  isReady,
  Redis,
  ready,
  uniquePrefix,
  useClient,
  useRedis,
} from './support/redis.js'

describe('createRedisStore', () => {
  const redis = useRedis()
  const client = useClient()

  it(`runs on ${clientLabel}, as this vitest project says`, () => {
    expect(Number(clientVersion.split('.')[0])).toBe(clientMajor)
    expect('status' in client).toBe(clientLibrary === 'ioredis')
  })

  it('stores, reads and deletes a whole entry: the value and its four timestamps', async () => {
    const store = createRedisStore('redis', client, { keyPrefix: uniquePrefix('basic') })
    const entry = entryOf({ name: 'Ada', tags: ['x', 'y'], nested: { n: 1.5, ok: true, none: null } })
    await store.set('user:1', entry, 60_000)
    expect(await store.get('user:1')).toEqual(entry)
    await store.delete('user:1')
    expect(await store.get('user:1')).toBeUndefined()
    expect(await store.get('never-written')).toBeUndefined()
  })

  it('overwrites an entry and its ttl', async () => {
    const prefix = uniquePrefix('overwrite')
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    await store.set('k', entryOf('first'), 60_000)
    await store.set('k', entryOf('second'), 120_000)
    expect((await store.get('k'))?.value).toBe('second')
    expect(await redis.pttl(`${prefix}k`)).toBeGreaterThan(60_000)
  })

  it('refuses a bad name, client, keyPrefix or serializer', () => {
    expect(() => createRedisStore('', client)).toThrow(TypeError)
    for (const notAClient of [{}, null, 'redis://localhost', { get: () => {} }]) {
      expect(() => createRedisStore('redis', notAClient as never)).toThrow(TypeError)
      expect(() => createRedisStore('redis', notAClient as never)).toThrow(
        /ioredis Redis or Cluster.*node-redis/,
      )
    }
    expect(() => createRedisStore('redis', client, { keyPrefix: 1 as unknown as string })).toThrow(TypeError)
    expect(() => createRedisStore('redis', client, { serializer: { serialize: () => '' } as never })).toThrow(
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

  it.runIf(clientLibrary === 'node-redis' && clientMajor === 6)(
    "refuses a client with node-redis 6's own keyPrefix, which SCAN would not honour in clear()",
    () => {
      const prefixed = connectClient(inject('redisUrl'), { lazy: true, keyPrefix: 'app:' })
      expect(() => createRedisStore('redis', prefixed, { keyPrefix: 'cache:' })).toThrow(
        /node-redis.*keyPrefix/,
      )
    },
  )

  it('is a RedisStore exposing its name, client and keyPrefix', () => {
    const store = createRedisStore('l2', client, { keyPrefix: 'p:' })
    expect(store).toBeInstanceOf(RedisStore)
    expect(store.name).toBe('l2')
    expect(store.client).toBe(client)
    expect(store.keyPrefix).toBe('p:')
  })

  it("leaves the application's client open when the cache closes", async () => {
    const own = connectClient()
    try {
      await ready(own)
      const store = createRedisStore('redis', own, { keyPrefix: uniquePrefix('close') })
      const cache = new TieredCache({ stores: [store] })
      await cache.close()
      expect(isReady(own)).toBe(true)
      await store.set('k', entryOf('still connected'), 60_000)
      expect((await store.get('k'))?.value).toBe('still connected')
    } finally {
      disconnect(own)
    }
  })
})
