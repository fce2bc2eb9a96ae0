// A full TieredCache round trip over the 3-master Cluster: load, serve from Redis, refresh, delete, clear.

import { TieredCache } from '@tiered/core'
import { createClock, createMapStore } from '@tiered/testing'
import calculateSlot from 'cluster-key-slot'
import { describe, expect, it } from 'vitest'
import { createRedisStore } from '../src/index.js'
import { uniquePrefix, useCluster, useClusterClient, waitFor } from './support/redis.js'

describe('a TieredCache over a Redis Cluster', () => {
  const cluster = useCluster()
  const clusterClient = useClusterClient()

  it('loads once, serves from Redis to a second process, refreshes stale values, deletes and clears', async () => {
    const prefix = uniquePrefix('cluster-swr')
    const clock = createClock(Date.now())
    const keys = Array.from({ length: 48 }, (_, i) => `user:${i}`)
    const owners = new Set(keys.map((key) => cluster.slots[calculateSlot(`${prefix}${key}`)]?.[0]))
    expect(owners.size).toBe(3)
    const errors: unknown[] = []
    const makeCache = () =>
      new TieredCache({
        stores: [createMapStore('memory'), createRedisStore('redis', clusterClient, { keyPrefix: prefix })],
        defaultTtl: '10m',
        defaultFresh: '1m',
        now: clock.now,
        storeTimeout: '10s',
        onError: (error) => errors.push(error),
      })

    // First process: every key is a miss, loaded once and written to both tiers.
    const first = makeCache()
    let loads = 0
    const load = async ({ key }: { key: string }) => {
      loads++
      return { id: key, version: 1 }
    }
    await Promise.all(keys.map((key) => first.swr({ queryKey: key, queryFn: load })))
    expect(loads).toBe(keys.length)
    for (const key of keys) expect(await cluster.exists(`${prefix}${key}`)).toBe(1)

    // Second process, empty memory: the same reads in one tick come from Redis (a slot-aware getMany).
    const second = makeCache()
    const fromRedis = await Promise.all(keys.map((key) => second.swr({ queryKey: key, queryFn: load })))
    expect(loads).toBe(keys.length)
    expect(fromRedis).toEqual(keys.map((key) => ({ id: key, version: 1 })))
    expect(second.stats().hits).toBe(keys.length)

    // Past fresh: the stale value is served at once, and one background load per key refreshes Redis.
    clock.advance(2 * 60_000)
    const third = makeCache()
    const refreshed = new Set<string>()
    const stale = await third.swr({
      queryKey: 'user:0',
      queryFn: async ({ key }) => {
        refreshed.add(key)
        return { id: key, version: 2 }
      },
    })
    expect(stale).toEqual({ id: 'user:0', version: 1 })
    const versionInRedis = async () => (await makeCache().get<{ version: number }>('user:0'))?.version
    await waitFor(async () => (await versionInRedis()) === 2, { timeoutMs: 5_000, intervalMs: 25 })
    expect(refreshed).toEqual(new Set(['user:0']))
    expect(await makeCache().get('user:0')).toEqual({ id: 'user:0', version: 2 })

    await third.delete('user:1')
    expect(await cluster.exists(`${prefix}user:1`)).toBe(0)
    await third.clear()
    for (const key of keys) expect(await cluster.exists(`${prefix}${key}`)).toBe(0)
    expect(errors).toEqual([])
  })
})
