// @tiered/store-redis: the Redis and Redis Cluster tier, on ioredis.

export type { Compression, CompressionAlgorithm, CompressionOptions, EntrySerializer } from '@tiered/core'
export { RedisDisconnectedError } from './connection.js'
export { createRedisBus, type RedisBusConfig } from './redis-bus.js'
export { createRedisLock, type RedisLockConfig } from './redis-lock.js'
export { createRedisStore, RedisStore, type RedisStoreConfig } from './redis-store.js'
