// ioredis (5 or 6, Redis or Cluster) mapped onto RedisConnection.
//
// What differs between ioredis 5 and 6 and matters here: nothing in the commands sent (GET, MGET, SET, EVALSHA,
// UNLINK, SCAN, their Buffer forms and pipelines keep their names and reply shapes; 6 speaks RESP3 with
// `replyMapping: 'legacy'`, which gives the replies of 5). Both mark a Cluster with `isCluster` and report `status`
// with the same names ('wait', 'connecting', 'connect', 'ready', 'reconnecting', 'close', 'end') and events. What
// differs is the default reconnect delay (5: 50 ms more per attempt up to 2 s; 6: doubling from 50 ms up to 5 s plus
// up to 200 ms of jitter), which bounds how soon the tier is used again after an outage: the README names it.

import type { Cluster, Redis } from 'ioredis'
import type { RedisConnection, Reply, ScanNode, Subscriber } from './redis-connection.js'

/** ioredis's own clients have `getBuffer`, which node-redis's do not. */
export function isIORedisClient(client: unknown): client is Redis | Cluster {
  return client !== null && typeof client === 'object' && typeof (client as Redis).getBuffer === 'function'
}

const DROP_EVENTS = ['close', 'end'] as const

export function ioredisConnection(client: Redis | Cluster): RedisConnection {
  // The flag works across copies and majors, unlike instanceof.
  const cluster = client.isCluster === true ? (client as Cluster) : undefined
  const single = client as Redis

  return {
    library: 'ioredis',
    isCluster: cluster !== undefined,
    clientKeyPrefix: client.options?.keyPrefix || undefined,
    isReady: () => client.status === 'ready',
    status: () => client.status,
    on(event, listener) {
      const names = event === 'ready' ? ['ready'] : DROP_EVENTS
      for (const name of names) client.on(name, listener)
      return () => {
        for (const name of names) client.off(name, listener)
      }
    },

    get: (key, binary) => (binary ? client.getBuffer(key) : client.get(key)),
    // ioredis takes the array as it is (its types ask for a mutable one, which it does not change).
    mget: (keys, binary) => (binary ? client.mgetBuffer(keys as string[]) : client.mget(keys as string[])),
    set: (key, payload, unit, amount) =>
      amount === 0
        ? client.set(key, payload)
        : unit === 'EX'
          ? client.set(key, payload, 'EX', amount)
          : client.set(key, payload, 'PX', amount),
    setIfAbsent: async (key, value, ttlMs) => (await client.set(key, value, 'PX', ttlMs, 'NX')) === 'OK',
    async setEach(keys, payloads, unit, amounts) {
      const pipeline = client.pipeline()
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string
        const payload = payloads[i] as Reply
        const amount = amounts[i] as number
        if (amount === 0) pipeline.set(key, payload)
        else if (unit === 'EX') pipeline.set(key, payload, 'EX', amount)
        else pipeline.set(key, payload, 'PX', amount)
      }
      const results = await pipeline.exec()
      for (const [error] of results ?? []) if (error) throw error
    },
    unlink: (keys) => client.unlink(keys as (string | Buffer)[]),
    evalsha: (sha, keys, args) => client.evalsha(sha, keys.length, ...keys, ...args),
    eval: (source, keys, args) => client.eval(source, keys.length, ...keys, ...args),
    async scanNodes() {
      if (cluster === undefined) return [scanNode(single)]
      if (cluster.status !== 'ready') await cluster.ping()
      const masters = cluster.nodes('master')
      if (masters.length === 0) {
        throw new Error(
          'the Redis Cluster client knows no master node yet; wait for its "ready" event and retry',
        )
      }
      return masters.map(scanNode)
    },
    publish: (channel, text) => client.publish(channel, text),
    ping: () => client.ping(),
    openSubscriber(attempt) {
      // Never reconnecting by itself, so the bus sees every reconnect. Classic PUBLISH reaches every node of a
      // Cluster, so a connection to any one node delivers every message.
      const overrides = {
        autoResubscribe: false,
        lazyConnect: false,
        enableOfflineQueue: true,
        retryStrategy: () => null,
      }
      let connection: Redis | undefined
      if (cluster === undefined) connection = single.duplicate(overrides)
      else {
        const nodes = cluster.nodes('all')
        connection = nodes[attempt % Math.max(nodes.length, 1)]?.duplicate(overrides)
      }
      return connection === undefined ? undefined : subscriberOn(connection)
    },
  }
}

function scanNode(node: Redis): ScanNode {
  return {
    async scan(cursor, pattern, count) {
      const [next, keys] = await node.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', count)
      return [next.toString(), keys]
    },
  }
}

function subscriberOn(connection: Redis): Subscriber {
  return {
    subscribe(channel, onMessage) {
      connection.on('message', (from: string, text: string) => {
        if (from === channel) onMessage(text)
      })
      return new Promise<void>((resolve, reject) => {
        connection.once('ready', () => {
          connection.subscribe(channel).then(
            () => resolve(),
            (error: unknown) => {
              connection.disconnect()
              reject(error)
            },
          )
        })
      })
    },
    onEnd: (listener) => connection.once('end', listener),
    onError: (listener) => connection.on('error', listener),
    close: () => connection.disconnect(),
  }
}
