// A floor for the memory workloads: lru-cache with a ttl, read through by hand. No stale serving, no dedupe.

import { LRUCache } from 'lru-cache'
import { MEMORY_CAPACITY } from '../settings.js'
import type { BenchValue } from '../value.js'
import { readThrough } from './read-through.js'
import type { BenchSystem } from './types.js'

export const lruCacheFloor: BenchSystem = {
  id: 'lru-cache',
  label: () => 'lru-cache with ttl (floor)',
  role: 'floor',
  packageName: 'lru-cache',
  layers: ['memory'],
  staleWhileRevalidate: false,
  create: async (setup) =>
    readThrough(new LRUCache<string, BenchValue>({ max: MEMORY_CAPACITY, ttl: setup.ttlMs })),
}
