// The shared store conformance suite, on one redis-server (JSON; v8) and on a Cluster, under each client.

import { runStoreConformance } from '@tiered/store-test-suite'
import { createRedisStore } from '../src/index.js'
import { clientMajor, isReady, useClient, useClusterClient } from './support/redis.js'

const client = useClient()
const cluster = useClusterClient()

// JSON cannot carry a BigInt, and Node's v8 serialiser cannot carry a function.
const json = { unencodableValue: () => ({ n: 1n }), clientIsOpen: () => isReady(client) }
const v8 = { unencodableValue: () => () => 1, clientIsOpen: () => isReady(client) }

runStoreConformance(
  'redis (JSON, PX)',
  (namespace) => createRedisStore(namespace, client, { keyPrefix: `${namespace}:` }),
  json,
)
// EX whole seconds makes the ttl cases take seconds each. What EX changes is only the SET arguments, which do not
// depend on the major, so it runs under major 5 of each library; major 6 runs v8 with PX, at the default (fast)
// granularity.
const useIntegerForTtl = clientMajor === 5
runStoreConformance(
  `redis (v8, ${useIntegerForTtl ? 'EX' : 'PX'})`,
  (namespace) =>
    createRedisStore(namespace, client, {
      keyPrefix: `${namespace}:`,
      useJsonMarshalling: false,
      useIntegerForTtl,
    }),
  useIntegerForTtl ? { ...v8, ttlGranularityMs: 1_000 } : v8,
)
runStoreConformance(
  'redis cluster (JSON, PX)',
  (namespace) => createRedisStore(namespace, cluster, { keyPrefix: `${namespace}:` }),
  { unencodableValue: () => ({ n: 1n }), clientIsOpen: () => isReady(cluster) },
)
// With compression from 0 bytes every entry of the suite is compressed: gzip on one server, brotli on the Cluster.
runStoreConformance(
  'redis (JSON, gzip)',
  (namespace) =>
    createRedisStore(namespace, client, {
      keyPrefix: `${namespace}:`,
      compression: { algorithm: 'gzip', minBytes: 0 },
    }),
  json,
)
runStoreConformance(
  'redis cluster (v8, brotli)',
  (namespace) =>
    createRedisStore(namespace, cluster, {
      keyPrefix: `${namespace}:`,
      useJsonMarshalling: false,
      compression: { algorithm: 'brotli', minBytes: 0 },
    }),
  { unencodableValue: () => () => 1, clientIsOpen: () => isReady(cluster) },
)
