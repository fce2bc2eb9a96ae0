// @tiered/next: Next.js 15 and 16 cache handlers over a TieredCache (memory over Redis, the bus, the lock).

export {
  createIncrementalCache,
  type IncrementalCacheClass,
  type IncrementalCacheContext,
  type IncrementalCacheEntry,
  type IncrementalCacheHandler,
  type IncrementalValue,
  type StoredCacheControl,
} from './incremental-cache.js'
export type { CacheFactory, NextCacheOptions } from './options.js'
export { createUseCacheHandler, type UseCacheEntry, type UseCacheHandler } from './use-cache-handler.js'
