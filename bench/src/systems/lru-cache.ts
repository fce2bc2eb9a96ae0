// A floor for the memory workloads: lru-cache with a ttl, read through by hand. No stale serving, no dedupe.

import { LRUCache } from 'lru-cache'
import { MEMORY_CAPACITY } from '../settings.js'
import type { BenchValue } from '../value.js'
import type { BenchSystem, CacheUnderTest, SystemSetup } from './types.js'

async function create(setup: SystemSetup): Promise<CacheUnderTest> {
  const lru = new LRUCache<string, BenchValue>({ max: MEMORY_CAPACITY, ttl: setup.ttlMs })
  return {
    fetch(key, load) {
      const value = lru.get(key)
      if (value !== undefined) return Promise.resolve(value)
      return load().then((loaded) => {
        lru.set(key, loaded)
        return loaded
      })
    },
    async close() {
      lru.clear()
    },
  }
}

export const lruCacheFloor: BenchSystem = {
  id: 'lru-cache',
  label: () => 'lru-cache with ttl (floor)',
  role: 'floor',
  packageName: 'lru-cache',
  layers: ['memory'],
  staleWhileRevalidate: false,
  create,
}
