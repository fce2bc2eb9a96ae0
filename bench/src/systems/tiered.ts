// tiered as its README sets it up: a memory store over a Redis store, read with cache.swr.

import { type CacheStore, TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { Redis } from 'ioredis'
import { MEMORY_CAPACITY } from '../settings.js'
import type { BenchSystem, CacheUnderTest, SystemSetup } from './types.js'

async function create(setup: SystemSetup): Promise<CacheUnderTest> {
  const stores: CacheStore[] = []
  let client: Redis | undefined
  if (setup.layers !== 'redis') stores.push(createMemoryStore('memory', { maxSize: MEMORY_CAPACITY }))
  if (setup.layers !== 'memory') {
    // Imported here so the memory workloads still run while @tiered/store-redis is not built.
    const { createRedisStore } = await import('@tiered/store-redis')
    client = new Redis({ host: setup.redis.host, port: setup.redis.port })
    stores.push(createRedisStore('redis', client, { keyPrefix: setup.prefix }))
  }
  const cache = new TieredCache({ stores })
  const { freshMs: fresh, ttlMs: ttl } = setup
  return {
    fetch: (key, load) => cache.swr({ queryKey: key, queryFn: load, fresh, ttl }),
    async close() {
      await cache.close()
      if (client !== undefined && client.status !== 'end')
        await client.quit().catch(() => client?.disconnect())
    },
  }
}

export const tiered: BenchSystem = {
  id: 'tiered',
  label: (layers) => (layers === 'redis' ? 'tiered (redis store only)' : 'tiered'),
  role: 'tiered',
  packageName: '@tiered/core',
  layers: ['memory', 'redis', 'memory+redis'],
  staleWhileRevalidate: true,
  create,
}
