// @tiered/store-redis: the Redis and Redis Cluster tier, on ioredis.

export type { EntrySerializer } from '@tiered/core'
export { RedisDisconnectedError } from './connection.js'
export { createRedisStore, RedisStore, type RedisStoreConfig } from './redis-store.js'
