// The one place that knows how an ioredis client (major 5 or 6, Redis or Cluster) reports its connection, so
// that the store fails at once, without queueing, while the client knows it is disconnected.
//
// What differs between ioredis 5 and 6 and matters here: nothing in the commands the store sends (GET, MGET, SET,
// EVALSHA, UNLINK, SCAN, their Buffer forms and pipelines keep their names and reply shapes; 6 speaks RESP3 with
// `replyMapping: 'legacy'`, which gives the store the replies of 5). Both mark a Cluster with `isCluster` and
// report `status` with the same names ('wait', 'connecting', 'connect', 'ready', 'reconnecting', 'close', 'end')
// and events. What differs is the default reconnect delay (5: 50 ms more per attempt up to 2 s; 6: doubling from
// 50 ms up to 5 s plus up to 200 ms of jitter), which bounds how soon the tier is used again after an outage: the
// README names it.

import type { Cluster, Redis } from 'ioredis'

/** An ioredis `Redis` or `Cluster`, of major 5 or 6. */
export type RedisClient = Redis | Cluster

/** ioredis marks both of its clients; checking the flag works across copies and majors, unlike instanceof. */
export function isCluster(client: RedisClient): client is Cluster {
  return client.isCluster === true
}

/** The client has been ready before and is now reconnecting or closed; the call was not sent, or got no answer. */
export class RedisDisconnectedError extends Error {
  override readonly name = 'RedisDisconnectedError'
  readonly code = 'TIERED_REDIS_DISCONNECTED'
  /** The client's status when the call failed. */
  readonly status: string

  constructor(status: string, whileSending: boolean) {
    super(
      whileSending
        ? `the Redis connection dropped before Redis answered (client status "${status}"); the command may or ` +
            'may not have run'
        : `the Redis client is disconnected (status "${status}"); the command was not sent, and nothing was ` +
            'queued for when it reconnects',
    )
    this.status = status
  }
}

const DROP_EVENTS = ['close', 'end'] as const

/**
 * Watches one client for every store on it (one set of listeners per client, whatever the number of stores).
 * Before the client has ever been ready (start-up) calls go through and may wait for the first connection, so the
 * first call of an application reaches Redis. Once it has been ready, a call made while it is not ready rejects at
 * once, and calls in flight when the connection drops reject at the drop.
 */
export class ConnectionGate {
  readonly #client: RedisClient
  #wasReady: boolean
  #users = 0
  /** Rejecters of the calls sent and not yet answered; replaced, not cleared in place, at each drop. */
  #inFlight = new Set<(error: Error) => void>()
  readonly #onReady = (): void => {
    this.#wasReady = true
  }
  readonly #onDrop = (): void => {
    if (this.#inFlight.size === 0) return
    const dropped = this.#inFlight
    this.#inFlight = new Set()
    const error = new RedisDisconnectedError(this.#client.status, true)
    for (const reject of dropped) reject(error)
  }

  private constructor(client: RedisClient) {
    this.#client = client
    this.#wasReady = client.status === 'ready'
  }

  /** The gate of `client`, shared by every store on it; give it back with `release()`. */
  static acquire(client: RedisClient): ConnectionGate {
    let gate = gates.get(client)
    if (gate === undefined) {
      gate = new ConnectionGate(client)
      gates.set(client, gate)
    }
    if (gate.#users++ === 0) {
      // Listening again after every store let go: the client may have become ready meanwhile.
      if (client.status === 'ready') gate.#wasReady = true
      client.on('ready', gate.#onReady)
      for (const event of DROP_EVENTS) client.on(event, gate.#onDrop)
    }
    return gate
  }

  /** undefined when a call may be sent now; else the error to reject it with. */
  refusal(): RedisDisconnectedError | undefined {
    const status = this.#client.status
    if (status === 'ready' || !this.#wasReady) return undefined
    return new RedisDisconnectedError(status, false)
  }

  /** `send()`'s promise, which also rejects at once if the connection drops before it settles. */
  run<T>(send: () => Promise<T>): Promise<T> {
    const refusal = this.refusal()
    if (refusal !== undefined) return Promise.reject(refusal)
    return new Promise<T>((resolve, reject) => {
      const inFlight = this.#inFlight
      inFlight.add(reject)
      send().then(
        (value) => {
          inFlight.delete(reject)
          resolve(value)
        },
        (error: unknown) => {
          inFlight.delete(reject)
          reject(error)
        },
      )
    })
  }

  /** One store is done with the gate; the last one takes its listeners off the client, which stays as it is. */
  release(): void {
    if (this.#users === 0 || --this.#users > 0) return
    this.#client.off('ready', this.#onReady)
    for (const event of DROP_EVENTS) this.#client.off(event, this.#onDrop)
  }
}

const gates = new WeakMap<RedisClient, ConnectionGate>()
