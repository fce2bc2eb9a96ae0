// The shared store conformance suite, on one redis-server (JSON; v8) and on a Cluster, under each ioredis major.

import { runStoreConformance } from '@tiered/store-test-suite'
import { createRedisStore } from '../src/index.js'
import { ioredisMajor, useCluster, useRedis } from './support/redis.js'

const redis = useRedis()
const cluster = useCluster()

runStoreConformance('redis (JSON, PX)', (namespace) =>
  createRedisStore(namespace, redis, { keyPrefix: `${namespace}:` }),
)
// EX whole seconds makes the ttl cases take seconds each. What EX changes is only the SET arguments, which do not
// depend on the client, so it runs under one major; the other runs v8 with PX, at the default (fast) granularity.
const useIntegerForTtl = ioredisMajor === 5
runStoreConformance(
  `redis (v8, ${useIntegerForTtl ? 'EX' : 'PX'})`,
  (namespace) =>
    createRedisStore(namespace, redis, {
      keyPrefix: `${namespace}:`,
      useJsonMarshalling: false,
      useIntegerForTtl,
    }),
  useIntegerForTtl ? { ttlGranularityMs: 1_000 } : {},
)
runStoreConformance('redis cluster (JSON, PX)', (namespace) =>
  createRedisStore(namespace, cluster, { keyPrefix: `${namespace}:` }),
)
