// @tiered/store-redis: the Redis and Redis Cluster tier, on ioredis or node-redis.

export type { Compression, CompressionAlgorithm, CompressionOptions, EntrySerializer } from '@tiered/core'
export { type RedisClient, RedisDisconnectedError } from './connection.js'
export { createRedisBus, type RedisBusConfig } from './redis-bus.js'
export { createRedisLock, type RedisLockConfig } from './redis-lock.js'
export { createRedisStore, RedisStore, type RedisStoreConfig } from './redis-store.js'
