// cacheable as its README layers it: the default in-memory primary with a KeyvRedis secondary, read with getOrSet.
// It has no stale-while-revalidate, so the stale workload leaves it out.

import KeyvRedis from '@keyv/redis'
import { Cacheable } from 'cacheable'
import { Keyv } from 'keyv'
import type { BenchSystem, CacheUnderTest, SystemSetup } from './types.js'

async function create(setup: SystemSetup): Promise<CacheUnderTest> {
  // A prefix without its trailing ':' as the namespace; Keyv adds its own separator.
  const namespace = setup.prefix.slice(0, -1)
  const redis = () => new KeyvRedis(setup.redis.url)
  const cache =
    setup.layers === 'memory'
      ? new Cacheable({ namespace })
      : setup.layers === 'redis'
        ? new Cacheable({ primary: new Keyv({ store: redis() }), namespace })
        : new Cacheable({ secondary: redis(), namespace })
  const ttl = setup.ttlMs
  return {
    fetch: (key, load) => cache.getOrSet(key, load, { ttl }),
    close: () => cache.disconnect(),
  }
}

export const cacheable: BenchSystem = {
  id: 'cacheable',
  label: (layers) => (layers === 'redis' ? 'cacheable (KeyvRedis primary)' : 'cacheable'),
  role: 'peer',
  packageName: 'cacheable',
  layers: ['memory', 'redis', 'memory+redis'],
  staleWhileRevalidate: false,
  create,
}
