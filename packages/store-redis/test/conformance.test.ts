// The shared store conformance suite, on one redis-server (JSON; v8 with whole-second EX ttls) and on a Cluster.

import { runStoreConformance } from '@tiered/store-test-suite'
import { Cluster, Redis } from 'ioredis'
import { afterAll, inject } from 'vitest'
import { createRedisStore } from '../src/index.js'

const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 })
const cluster = new Cluster(inject('redisClusterNodes'), { clusterRetryStrategy: () => null })
afterAll(() => {
  redis.disconnect()
  cluster.disconnect()
})

runStoreConformance('redis (JSON, PX)', (namespace) =>
  createRedisStore(namespace, redis, { keyPrefix: `${namespace}:` }),
)
runStoreConformance(
  'redis (v8, EX)',
  (namespace) =>
    createRedisStore(namespace, redis, {
      keyPrefix: `${namespace}:`,
      useJsonMarshalling: false,
      useIntegerForTtl: true,
    }),
  { ttlGranularityMs: 1_000 },
)
runStoreConformance('redis cluster (JSON, PX)', (namespace) =>
  createRedisStore(namespace, cluster, { keyPrefix: `${namespace}:` }),
)
