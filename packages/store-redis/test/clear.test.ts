// clear(): SCAN + UNLINK of the store's own prefix on every node, never FLUSHDB, and a refusal without a prefix.

import { randomUUID } from 'node:crypto'
import { TieredCache } from '@tiered/core'
import { describe, expect, inject, it } from 'vitest'
import { createRedisStore } from '../src/index.js'
import {
  entryOf,
  uniquePrefix,
  useClient,
  useCluster,
  useClusterClient,
  useRedis,
  watchNode,
} from './support/redis.js'

describe('clear on a single node', () => {
  const redis = useRedis()
  const client = useClient()

  it("deletes every key under the store's prefix, over several SCAN rounds, and nothing else", async () => {
    const prefix = uniquePrefix('clear')
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    const keys = Array.from({ length: 2_500 }, (_, i) => `k${i}`)
    await store.setMany(keys.map((key) => ({ key, entry: entryOf(key), ttlMs: 60_000 })))
    // Neighbours: the prefix without its colon, a longer prefix, the prefix inside another key.
    const neighbours = [prefix.slice(0, -1), `${prefix.slice(0, -1)}x:k1`, `other:${prefix}k1`]
    for (const key of neighbours) await redis.set(key, 'keep', 'EX', 60)

    await store.clear()

    expect(await redis.keys(`${prefix}*`)).toEqual([])
    expect(await redis.exists(...neighbours)).toBe(neighbours.length)
    await redis.unlink(...neighbours)
  })

  it('never runs FLUSHDB or FLUSHALL', async () => {
    const prefix = uniquePrefix('no-flush')
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    await store.set('k', entryOf(1), 60_000)
    const watch = await watchNode(redis)
    await store.clear()
    const names = (await watch.stop()).map(([name]) => name)
    expect(names).toContain('scan')
    expect(names).not.toContain('flushdb')
    expect(names).not.toContain('flushall')
  })

  it('treats glob characters in the prefix literally', async () => {
    const id = randomUUID()
    const prefix = `glob-${id}:a*[bc]?\\:`
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    await store.set('k', entryOf(1), 60_000)
    // Read as an unescaped glob, the prefix matches each of these, and misses the store's own key.
    const lookalikes = [`glob-${id}:aXXbZ:k`, `glob-${id}:acQ:k`, `glob-${id}:abbb:k`]
    for (const key of lookalikes) await redis.set(key, 'keep', 'EX', 60)
    expect((await redis.keys(`${prefix}*`)).sort()).toEqual([...lookalikes].sort())

    await store.clear()

    expect(await store.get('k')).toBeUndefined()
    expect(await redis.exists(...lookalikes)).toBe(lookalikes.length)
    await redis.unlink(...lookalikes)
  })

  it('refuses to run without a keyPrefix, and deletes nothing', async () => {
    const key = `unprefixed-${randomUUID()}`
    await redis.set(key, 'keep', 'EX', 60)
    const store = createRedisStore('redis', client)
    await expect(store.clear()).rejects.toThrow(/keyPrefix/)
    expect(await redis.exists(key)).toBe(1)
    await redis.unlink(key)
  })

  it("empties the tier through a TieredCache's clear", async () => {
    const prefix = uniquePrefix('cache-clear')
    const cache = new TieredCache({ stores: [createRedisStore('redis', client, { keyPrefix: prefix })] })
    await cache.set('a', 1)
    await cache.set('b', 2)
    await cache.clear()
    expect(await redis.keys(`${prefix}*`)).toEqual([])
    expect(await cache.get('a')).toBeUndefined()
  })
})

describe('clear on a Redis Cluster', () => {
  const cluster = useCluster()
  const clusterClient = useClusterClient()

  it("deletes the prefix's keys on every master and leaves other keys alone", async () => {
    const prefix = uniquePrefix('cluster-clear')
    const store = createRedisStore('redis', clusterClient, { keyPrefix: prefix })
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`)
    await store.setMany(keys.map((key) => ({ key, entry: entryOf(key), ttlMs: 60_000 })))
    const others = Array.from({ length: 30 }, (_, i) => `other-${randomUUID()}-${i}`)
    for (const key of others) await cluster.set(key, 'keep', 'EX', 60)

    const masters = cluster.nodes('master')
    expect(masters).toHaveLength(inject('redisClusterNodes').length)
    const perMaster = await Promise.all(masters.map((node) => node.keys(`${prefix}*`)))
    expect(perMaster.every((held) => held.length > 0)).toBe(true)

    await store.clear()

    const left = await Promise.all(masters.map((node) => node.keys(`${prefix}*`)))
    expect(left.flat()).toEqual([])
    for (const key of others) expect(await cluster.exists(key)).toBe(1)
    for (const key of others) await cluster.unlink(key)
  })
})
