// Tag invalidation on a real Redis, counted with MONITOR: the commands of deleteByTag do not grow with the number
// of tagged entries, and a stamp lives tagTtl there.

import { TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisStore } from '@tiered/store-redis'
import { commandsUnder, watchCommands } from '@tiered/testing'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { connectCluster, connectRedis, uniquePrefix } from './support/redis.js'

let redis: Redis
beforeAll(() => {
  redis = connectRedis()
})
afterAll(() => {
  redis.disconnect()
})

const { hostname: host, port } = new URL(inject('redisUrl'))

/** A cache over Redis with `count` entries tagged `tag`, written in batches. */
async function filled(prefix: string, tag: string, count: number): Promise<TieredCache> {
  const cache = new TieredCache({
    stores: [
      createMemoryStore('memory', { maxSize: 20_000 }),
      createRedisStore('redis', redis, { keyPrefix: prefix }),
    ],
  })
  for (let from = 0; from < count; from += 1_000) {
    const batch: Promise<void>[] = []
    for (let i = from; i < Math.min(count, from + 1_000); i++)
      batch.push(cache.set(`k${i}`, i, { tags: [tag] }))
    await Promise.all(batch)
  }
  return cache
}

/** The Redis commands (of this prefix) one deleteByTag sends. */
async function commandsOfDeleteByTag(cache: TieredCache, prefix: string, tag: string): Promise<string[][]> {
  const watch = await watchCommands(host, Number(port))
  await cache.deleteByTag([tag])
  return commandsUnder(await watch.stop(), prefix)
}

describe('deleteByTag on Redis', () => {
  it('sends the same handful of commands for 10 000 tagged entries as for 100, and they are all misses', async () => {
    const small = uniquePrefix('tags-100')
    const large = uniquePrefix('tags-10000')
    const few = await filled(small, 'few', 100)
    const many = await filled(large, 'many', 10_000)
    expect(await redis.dbsize()).toBeGreaterThanOrEqual(10_100)
    const forFew = await commandsOfDeleteByTag(few, small, 'few')
    const forMany = await commandsOfDeleteByTag(many, large, 'many')
    expect(forMany.length).toBe(forFew.length)
    expect(forMany.length).toBeGreaterThan(0)
    expect(forMany.length).toBeLessThanOrEqual(3)
    expect(forMany.map((command) => command[0])).toEqual(forFew.map((command) => command[0]))
    // Nothing was deleted or scanned: one stamp key was written.
    expect(forMany.flat().join(' ')).toContain('__tiered:tag:many')
    for (const i of [0, 1, 4_999, 9_999]) expect(await many.get(`k${i}`)).toBeUndefined()
    // A second cache over the same Redis (an empty memory tier) reads the entries from Redis: misses too.
    const other = new TieredCache({
      stores: [createMemoryStore('memory'), createRedisStore('redis', redis, { keyPrefix: large })],
    })
    for (const i of [0, 9_999]) expect(await other.get(`k${i}`)).toBeUndefined()
    expect(await redis.exists(`${large}k9999`)).toBe(1)
    await Promise.all([few.close(), many.close(), other.close()])
  })

  it('the stamp lives tagTtl in Redis, and a tagged entry never outlives it', async () => {
    const prefix = uniquePrefix('tags-ttl')
    const cache = new TieredCache({
      stores: [createMemoryStore('memory'), createRedisStore('redis', redis, { keyPrefix: prefix })],
      tagTtl: '10m',
    })
    await cache.set('k', 1, { tags: ['t'], ttl: '1h', staleIfError: '1d' })
    const entryTtl = await redis.pttl(`${prefix}k`)
    expect(entryTtl).toBeGreaterThan(590_000)
    expect(entryTtl).toBeLessThanOrEqual(600_000)
    await cache.deleteByTag(['t'])
    const stampTtl = await redis.pttl(`${prefix}__tiered:tag:t`)
    expect(stampTtl).toBeGreaterThan(590_000)
    expect(stampTtl).toBeLessThanOrEqual(600_000)
    expect(stampTtl).toBeGreaterThanOrEqual(entryTtl - 1_000)
    await cache.close()
  })
})

describe('tags on a Redis Cluster', () => {
  it('stamps of several tags (in different slots) are written and read across the masters', async () => {
    const cluster = await connectCluster()
    const prefix = uniquePrefix('tags-cluster')
    const make = () =>
      new TieredCache({
        stores: [createMemoryStore('memory'), createRedisStore('redis', cluster, { keyPrefix: prefix })],
      })
    const [a, b] = [make(), make()]
    const tags = Array.from({ length: 12 }, (_, i) => `tag-${i}`)
    for (const [i, tag] of tags.entries()) await b.set(`k${i}`, i, { tags: [tag] })
    await b.set('untagged', 'stays')
    await a.deleteByTag(tags.slice(0, 6))
    // A third cache with an empty memory tier reads entries and stamps from the cluster.
    const c = make()
    for (const [i] of tags.entries()) expect(await c.get(`k${i}`)).toBe(i < 6 ? undefined : i)
    expect(await c.get('untagged')).toBe('stays')
    await Promise.all([a.close(), b.close(), c.close()])
    cluster.disconnect()
  })
})
