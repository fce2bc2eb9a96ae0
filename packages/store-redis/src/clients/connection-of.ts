// Which library a client comes from, and its one RedisConnection (shared by every store, bus and lock on it).

import type { Cluster, Redis } from 'ioredis'
import { ioredisConnection, isIORedisClient } from './ioredis.js'
import { isNodeRedisClient, type NodeRedisClient, nodeRedisConnection } from './node-redis.js'
import type { RedisConnection } from './redis-connection.js'

/**
 * A client of either library: an ioredis `Redis` or `Cluster` (5 or 6), or a node-redis client from `createClient()`
 * or `createCluster()` (`redis` 5 or 6). The application owns it: nothing here connects, quits or closes it.
 */
export type RedisClient = Redis | Cluster | NodeRedisClient

const connections = new WeakMap<object, RedisConnection>()

/** The connection of `client`, one per client whatever the number of stores, buses and locks on it. */
export function connectionOf(client: RedisClient): RedisConnection {
  if (client !== null && typeof client === 'object') {
    const known = connections.get(client)
    if (known !== undefined) return known
  }
  let connection: RedisConnection
  if (isIORedisClient(client)) connection = ioredisConnection(client)
  else if (isNodeRedisClient(client)) connection = nodeRedisConnection(client)
  else {
    throw new TypeError(
      'client must be an ioredis Redis or Cluster instance, or a node-redis client from createClient() or ' +
        `createCluster() (package "redis"); got ${client === null ? 'null' : typeof client}`,
    )
  }
  connections.set(client, connection)
  return connection
}
