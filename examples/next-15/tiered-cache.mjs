// The app's one TieredCache per process, shared by both handler files: memory (bounded) over Redis, with the
// Redis bus (every process's memory stays true) and tag records. Redis down at build or at run time: the memory
// tier answers and the errors are reported, nothing fails.

import { TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisBus, createRedisLock, createRedisStore } from '@tiered/store-redis'
import { Redis } from 'ioredis'

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
// A symbol on globalThis: Next may load this module more than once in a process (its handler files, its workers).
const SHARED = Symbol.for('tiered.example.next')

function connect() {
  // maxRetriesPerRequest 0: a command the connection lost fails at once instead of being resent later.
  const redis = new Redis(url, { maxRetriesPerRequest: 0, lazyConnect: false })
  redis.on('error', () => {}) // the cache reports its own failures
  return redis
}

export function shared() {
  globalThis[SHARED] ??= (() => {
    const redis = connect()
    const cache = new TieredCache({
      name: 'next',
      stores: [
        // Bounded by bytes: pages are large (HTML, RSC payload, segments); one over 4 MB stays in Redis only.
        createMemoryStore('memory', { maxBytes: 64 * 1024 * 1024, maxEntryBytes: 4 * 1024 * 1024 }),
        // v8: Buffers (RSC payloads) and Maps (segment data) come back as they went in.
        createRedisStore('redis', redis, { keyPrefix: 'app:', useJsonMarshalling: false }),
      ],
      bus: createRedisBus(redis, { channel: 'app:bus' }),
      storeTimeout: 250,
      onError: (error) => console.warn('[tiered]', error instanceof Error ? error.message : error),
    })
    return { cache, lock: createRedisLock(redis, { keyPrefix: 'app:lock:' }) }
  })()
  return globalThis[SHARED]
}
