// @tiered/store-redis: the Redis and Redis Cluster tier, on ioredis.

export { createRedisStore, RedisStore, type RedisStoreConfig } from './redis-store.js'
export type { EntrySerializer } from './serializer.js'
