// cache-manager as its README layers it: a Keyv over CacheableMemory then a Keyv over KeyvRedis, read with wrap.
// Its stale-while-revalidate is `refreshThreshold`: a value with less ttl left than that refreshes in the background.

import KeyvRedis from '@keyv/redis'
import { createCache } from 'cache-manager'
import { CacheableMemory } from 'cacheable'
import { Keyv } from 'keyv'
import { MEMORY_CAPACITY } from '../settings.js'
import type { BenchSystem, CacheUnderTest, SystemSetup } from './types.js'

async function create(setup: SystemSetup): Promise<CacheUnderTest> {
  const namespace = setup.prefix.slice(0, -1)
  const stores: Keyv[] = []
  if (setup.layers !== 'redis') {
    stores.push(
      new Keyv({ store: new CacheableMemory({ ttl: setup.ttlMs, lruSize: MEMORY_CAPACITY }), namespace }),
    )
  }
  if (setup.layers !== 'memory') stores.push(new Keyv({ store: new KeyvRedis(setup.redis.url), namespace }))
  const cache = createCache({ stores })
  const ttl = setup.ttlMs
  const refreshThreshold = setup.ttlMs - setup.freshMs
  return {
    fetch:
      refreshThreshold > 0
        ? (key, load) => cache.wrap(key, load, { ttl, refreshThreshold })
        : (key, load) => cache.wrap(key, load, ttl),
    async close() {
      await cache.disconnect()
    },
  }
}

export const cacheManager: BenchSystem = {
  id: 'cache-manager',
  label: (layers) => (layers === 'redis' ? 'cache-manager (redis store only)' : 'cache-manager'),
  role: 'peer',
  packageName: 'cache-manager',
  layers: ['memory', 'redis', 'memory+redis'],
  staleWhileRevalidate: true,
  create,
}
