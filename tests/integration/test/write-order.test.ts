// Issue 8, bug 1 on real servers: with one write to the remote tier in flight, a set is held for the next tick's
// batch; a delete or clear made after it in the same tick must still land after it, on Redis, on a Cluster and on
// Keyv, so that neither the remote tier nor the memory tier refilled from it keeps the old value.

import KeyvRedis from '@keyv/redis'
import { type CacheStore, TieredCache } from '@tiered/core'
import { createKeyvStore } from '@tiered/store-keyv'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisStore } from '@tiered/store-redis'
import type { Cluster, Redis } from 'ioredis'
import { Keyv } from 'keyv'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { connectCluster, connectRedis, uniquePrefix } from './support/redis.js'

let redis: Redis
let cluster: Cluster
const keyvs: Keyv[] = []
beforeAll(async () => {
  redis = connectRedis()
  cluster = await connectCluster()
})
afterAll(async () => {
  redis.disconnect()
  cluster.disconnect()
  await Promise.all(keyvs.map((keyv) => keyv.disconnect()))
})

const remotes: [string, () => CacheStore][] = [
  ['Redis', () => createRedisStore('remote', redis, { keyPrefix: uniquePrefix('order') })],
  ['Cluster', () => createRedisStore('remote', cluster, { keyPrefix: `{${uniquePrefix('order')}}` })],
  [
    'Keyv on Redis',
    () => {
      const keyv = new Keyv({ store: new KeyvRedis(inject('redisUrl')), namespace: uniquePrefix('order') })
      keyvs.push(keyv)
      return createKeyvStore('remote', keyv)
    },
  ],
]

const microtasks = async (count: number) => {
  for (let i = 0; i < count; i++) await Promise.resolve()
}

describe.each(remotes)('order of writes and invalidations on %s', (_, makeRemote) => {
  async function setup() {
    const remote = makeRemote()
    const cache = new TieredCache({ stores: [createMemoryStore('memory'), remote] })
    await cache.get('warm-up') // the engine learns the remote tier is asynchronous, and batches from then on
    const reader = new TieredCache({ stores: [remote] })
    return { cache, reader }
  }

  it('a delete in the same tick as a set wins', async () => {
    const { cache, reader } = await setup()
    const inFlight = cache.set('other', 0)
    const set = cache.set('k', 'v1')
    const removed = cache.delete('k')
    await Promise.all([inFlight, set, removed])
    expect(await reader.get('k')).toBeUndefined()
    expect(await cache.get('k')).toBeUndefined()
  })

  it('a clear in the same tick as a set wins', async () => {
    const { cache, reader } = await setup()
    const inFlight = cache.set('other', 0)
    const set = cache.set('k', 'v1')
    const cleared = cache.clear()
    await Promise.all([inFlight, set, cleared])
    expect(await reader.get('k')).toBeUndefined()
    expect(await cache.get('k')).toBeUndefined()
  })

  it('a delete made while a finished load is writing is never undone (20 microtask offsets)', async () => {
    for (let offset = 0; offset < 20; offset++) {
      const { cache, reader } = await setup()
      let finish: (value: string) => void = () => {}
      let started: () => void = () => {}
      const loading = new Promise<void>((resolve) => (started = resolve))
      const load = cache.swr({
        queryKey: 'k',
        queryFn: () =>
          new Promise<string>((resolve) => {
            finish = resolve
            started()
          }),
      })
      await loading
      const inFlight = cache.set('other', 0)
      finish('old')
      await microtasks(offset)
      await Promise.all([cache.delete('k'), load, inFlight])
      expect(await reader.get('k'), `offset ${offset}`).toBeUndefined()
      expect(await cache.get('k'), `offset ${offset}`).toBeUndefined()
    }
  })
})
