// node-redis (`redis` 5 or 6, createClient or createCluster) mapped onto RedisConnection, through `sendCommand`,
// whose arguments and raw replies are the same in both majors (6 speaks RESP3 by default, 5 RESP2: for the replies
// used here, text, bytes, arrays and nulls, the two read the same).
//
// Where node-redis behaves unlike ioredis, and the README says so: a client does nothing until the application calls
// `connect()` (before that, and after `close()`/`destroy()`, every command fails at once with "The client is
// closed"); at a drop it rejects the commands waiting for a reply and never sends them again; commands made while it
// reconnects wait in its offline queue (unless `disableOfflineQueue`), which the store's gate refuses to use once the
// client has been ready; a Cluster reports a dead node through `node-error`/`node-reconnecting`, not on the cluster.

import type { RedisConnection, Reply, ScanNode, Subscriber } from './redis-connection.js'

/** The part of a node-redis client or cluster that tells it apart; what the store uses is checked at runtime. */
export interface NodeRedisClient {
  readonly isOpen: boolean
  sendCommand(...args: never[]): Promise<unknown>
  duplicate(...args: never[]): unknown
}

type Arg = string | Buffer
type Listener = (...args: never[]) => void
interface CommandOptions {
  typeMapping?: Record<number, unknown>
}

interface Events {
  on(event: string, listener: Listener): unknown
  off(event: string, listener: Listener): unknown
}

/** A node-redis `createClient()` client, as far as used here. */
interface SingleClient extends Events {
  readonly isOpen: boolean
  readonly isReady: boolean
  readonly options?: { socket?: Record<string, unknown>; keyPrefix?: unknown }
  sendCommand(args: readonly Arg[], options?: CommandOptions): Promise<unknown>
  duplicate(overrides?: Record<string, unknown>): SingleClient
  connect(): Promise<unknown>
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>
  destroy(): void
}

/** A node-redis `createCluster()` client, as far as used here (`isReady` exists from 6 on). */
interface ClusterClient extends Events {
  readonly isOpen: boolean
  readonly isReady?: boolean
  readonly masters: readonly object[]
  readonly _keyPrefix?: unknown
  nodeClient(node: object): Promise<SingleClient>
  sendCommand(
    firstKey: Arg | undefined,
    isReadonly: boolean | undefined,
    args: readonly Arg[],
    options?: CommandOptions,
  ): Promise<unknown>
}

/** RESP's blob string type (`$`), mapped to Buffer for byte replies; the same code in `redis` 5 and 6. */
const BLOB_STRING = 36
const AS_BYTES: CommandOptions = { typeMapping: { [BLOB_STRING]: Buffer } }

export function isNodeRedisClient(client: unknown): client is NodeRedisClient {
  if (client === null || typeof client !== 'object') return false
  const candidate = client as Partial<SingleClient>
  return (
    typeof candidate.sendCommand === 'function' &&
    typeof candidate.duplicate === 'function' &&
    typeof candidate.isOpen === 'boolean'
  )
}

function isClusterClient(client: object): client is ClusterClient {
  return 'masters' in client && typeof (client as ClusterClient).nodeClient === 'function'
}

const text = (value: number | Arg): Arg => (typeof value === 'number' ? String(value) : value)

export function nodeRedisConnection(given: NodeRedisClient): RedisConnection {
  const cluster = isClusterClient(given) ? given : undefined
  const single = given as unknown as SingleClient
  const events: Events = cluster ?? single
  // One call for both kinds: a Cluster routes by the first key (none: any node).
  const send = (
    firstKey: Arg | undefined,
    args: readonly Arg[],
    options?: CommandOptions,
  ): Promise<unknown> =>
    cluster === undefined
      ? single.sendCommand(args, options)
      : cluster.sendCommand(firstKey, false, args, options)
  const isReady = (): boolean =>
    cluster === undefined ? single.isReady : (cluster.isReady ?? cluster.isOpen) && cluster.masters.length > 0
  const keyPrefix = cluster === undefined ? single.options?.keyPrefix : cluster._keyPrefix
  const ready = cluster === undefined ? ['ready'] : ['connect']
  const drops = cluster === undefined ? ['error', 'end'] : ['disconnect']

  return {
    library: 'node-redis',
    isCluster: cluster !== undefined,
    clientKeyPrefix: keyPrefix === undefined || keyPrefix === '' ? undefined : String(keyPrefix),
    isReady,
    status: () => (isReady() ? 'ready' : given.isOpen ? 'reconnecting' : 'closed'),
    on(event, listener) {
      const names = event === 'ready' ? ready : drops
      // node-redis also reports errors on a live connection (a failed ping): only one that left it down is a drop.
      const handler: Listener = event === 'ready' ? listener : () => isReady() || listener()
      for (const name of names) events.on(name, handler)
      return () => {
        for (const name of names) events.off(name, handler)
      }
    },

    get: (key, binary) => send(key, ['GET', key], binary ? AS_BYTES : undefined) as Promise<Reply | null>,
    mget: (keys, binary) =>
      send(keys[0], ['MGET', ...keys], binary ? AS_BYTES : undefined) as Promise<(Reply | null)[]>,
    set: (key, payload, unit, amount) => send(key, setCommand(key, payload, unit, amount)),
    setIfAbsent: async (key, value, ttlMs) =>
      (await send(key, ['SET', key, value, 'PX', String(ttlMs), 'NX'])) === 'OK',
    async setEach(keys, payloads, unit, amounts) {
      // Commands made in one tick leave in one write: node-redis pipelines them itself.
      await Promise.all(
        keys.map((key, i) => send(key, setCommand(key, payloads[i] as Reply, unit, amounts[i] as number))),
      )
    },
    unlink: (keys) => send(keys[0], ['UNLINK', ...keys]),
    evalsha: (sha, keys, args) =>
      send(keys[0], ['EVALSHA', sha, String(keys.length), ...keys, ...args.map(text)]),
    eval: (source, keys, args) =>
      send(keys[0], ['EVAL', source, String(keys.length), ...keys, ...args.map(text)]),
    async scanNodes() {
      if (cluster === undefined) return [scanNode(single)]
      if (cluster.masters.length === 0) {
        throw new Error('the Redis Cluster client knows no master node yet; await its connect() and retry')
      }
      return Promise.all(cluster.masters.map(async (master) => scanNode(await cluster.nodeClient(master))))
    },
    publish: (channel, message) => send(undefined, ['PUBLISH', channel, message]),
    ping: () => send(undefined, ['PING']),
    openSubscriber(attempt) {
      if (cluster === undefined) return subscriberOf(async () => single)
      const masters = cluster.masters
      const master = masters[attempt % Math.max(masters.length, 1)]
      // Classic PUBLISH reaches every node of a Cluster, so any one node delivers every message.
      return master === undefined ? undefined : subscriberOf(() => cluster.nodeClient(master))
    },
  }
}

function scanNode(node: SingleClient): ScanNode {
  return {
    async scan(cursor, pattern, count) {
      const [next, keys] = (await node.sendCommand(
        ['SCAN', cursor, 'MATCH', pattern, 'COUNT', String(count)],
        AS_BYTES,
      )) as [Buffer, Buffer[]]
      return [next.toString(), keys]
    },
  }
}

/**
 * A duplicate of the client `base()` gives, connected by the bus and never reconnecting by itself (node-redis needs
 * a connection of its own to subscribe). Its `onEnd` fires once, when it drops or fails to subscribe.
 */
function subscriberOf(base: () => Promise<SingleClient>): Subscriber {
  let connection: SingleClient | undefined
  let state: 'open' | 'ended' | 'closed' = 'open'
  const endListeners: (() => void)[] = []
  const errorListeners: ((error: unknown) => void)[] = []
  const end = (): void => {
    if (state !== 'open') return
    state = 'ended'
    destroy()
    for (const listener of endListeners) listener()
  }
  const destroy = (): void => {
    if (connection?.isOpen) connection.destroy()
  }
  return {
    async subscribe(channel, onMessage) {
      try {
        const parent = await base()
        if (state !== 'open') return
        const current = parent.duplicate({
          socket: { ...parent.options?.socket, reconnectStrategy: false },
        })
        connection = current
        current.on('error', (error: unknown) => {
          for (const listener of errorListeners) listener(error)
          if (!current.isOpen) end()
        })
        current.on('end', end)
        await current.connect()
        await current.subscribe(channel, (message) => onMessage(message))
      } catch (error) {
        end()
        throw error
      }
    },
    onEnd: (listener) => endListeners.push(listener),
    onError: (listener) => errorListeners.push(listener),
    close() {
      if (state === 'closed') return
      state = 'closed'
      destroy()
    },
  }
}

/** SET with PX or EX, or a plain SET for an amount of 0 (no expiry). */
function setCommand(key: string, payload: Reply, unit: 'PX' | 'EX', amount: number): Reply[] {
  return amount === 0 ? ['SET', key, payload] : ['SET', key, payload, unit, String(amount)]
}
