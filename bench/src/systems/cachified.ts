// @epic-web/cachified over the lru-cache adapter its README shows, memory only (it has no Redis tier of its own).

import { type Cache, type CacheEntry, cachified as cachify, totalTtl } from '@epic-web/cachified'
import { LRUCache } from 'lru-cache'
import { MEMORY_CAPACITY } from '../settings.js'
import type { BenchValue } from '../value.js'
import type { BenchSystem, CacheUnderTest, SystemSetup } from './types.js'

async function create(setup: SystemSetup): Promise<CacheUnderTest> {
  const lruInstance = new LRUCache<string, CacheEntry>({ max: MEMORY_CAPACITY })
  const cache: Cache = {
    set(key, value) {
      const ttl = totalTtl(value?.metadata)
      return lruInstance.set(key, value, {
        ttl: ttl === Number.POSITIVE_INFINITY ? undefined : ttl,
        start: value?.metadata?.createdTime,
      })
    },
    get: (key) => lruInstance.get(key),
    delete: (key) => lruInstance.delete(key),
  }
  const ttl = setup.freshMs
  const staleWhileRevalidate = setup.ttlMs - setup.freshMs
  return {
    fetch: (key, load) => cachify<BenchValue>({ key, cache, getFreshValue: load, ttl, staleWhileRevalidate }),
    async close() {
      lruInstance.clear()
    },
  }
}

export const cachified: BenchSystem = {
  id: 'cachified',
  label: () => '@epic-web/cachified (lru-cache)',
  role: 'peer',
  packageName: '@epic-web/cachified',
  layers: ['memory'],
  staleWhileRevalidate: true,
  create,
}
