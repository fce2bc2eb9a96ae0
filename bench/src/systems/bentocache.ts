// bentocache as its docs set up two tiers: bentostore().useL1Layer(memory).useL2Layer(redis), read with getOrSet.
// Its stale-while-revalidate is a grace period with the default soft timeout of 0.

import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisDriver } from 'bentocache/drivers/redis'
import { MEMORY_CAPACITY } from '../settings.js'
import type { BenchSystem, CacheUnderTest, SystemSetup } from './types.js'

async function create(setup: SystemSetup): Promise<CacheUnderTest> {
  const store = bentostore()
  if (setup.layers !== 'redis') store.useL1Layer(memoryDriver({ maxItems: MEMORY_CAPACITY }))
  if (setup.layers !== 'memory') {
    store.useL2Layer(redisDriver({ connection: { host: setup.redis.host, port: setup.redis.port } }))
  }
  // bentocache joins its prefix and the key with ':'.
  const bento = new BentoCache({
    default: 'cache',
    stores: { cache: store },
    prefix: setup.prefix.slice(0, -1),
  })
  const ttl = setup.freshMs
  const grace = setup.ttlMs > setup.freshMs ? setup.ttlMs : false
  return {
    fetch: (key, load) => bento.getOrSet({ key, factory: load, ttl, grace }),
    close: () => bento.disconnectAll(),
  }
}

export const bentocache: BenchSystem = {
  id: 'bentocache',
  label: (layers) => (layers === 'redis' ? 'bentocache (L2 only)' : 'bentocache'),
  role: 'peer',
  packageName: 'bentocache',
  layers: ['memory', 'redis', 'memory+redis'],
  staleWhileRevalidate: true,
  create,
}
