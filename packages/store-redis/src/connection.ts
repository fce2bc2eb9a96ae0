// The one place that decides whether a call may go to Redis now, for every client library: the store, the bus and
// the lock fail at once, without queueing, while the client knows it is disconnected (RedisConnection says how each
// library reports it).

import { connectionOf, type RedisClient } from './clients/connection-of.js'
import type { RedisConnection } from './clients/redis-connection.js'

export type { RedisClient }

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

/**
 * Watches one client for every store on it (one set of listeners per client, whatever the number of stores).
 * Before the client has ever been ready (start-up) calls go through and may wait for the first connection, so the
 * first call of an application reaches Redis. Once it has been ready, a call made while it is not ready rejects at
 * once, and calls in flight when the connection drops reject at the drop.
 */
export class ConnectionGate {
  readonly connection: RedisConnection
  #wasReady: boolean
  #listening: (() => void)[] = []
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
    const error = new RedisDisconnectedError(this.connection.status(), true)
    for (const reject of dropped) reject(error)
  }

  private constructor(connection: RedisConnection) {
    this.connection = connection
    this.#wasReady = connection.isReady()
  }

  /** The gate of `client`, shared by every store, bus and lock on it; give it back with `release()`. */
  static acquire(client: RedisClient): ConnectionGate {
    const connection = connectionOf(client)
    let gate = gates.get(connection)
    if (gate === undefined) {
      gate = new ConnectionGate(connection)
      gates.set(connection, gate)
    }
    if (gate.#users++ === 0) {
      // Listening again after every user let go: the client may have become ready meanwhile.
      if (connection.isReady()) gate.#wasReady = true
      gate.#listening = [connection.on('ready', gate.#onReady), connection.on('drop', gate.#onDrop)]
    }
    return gate
  }

  /** undefined when a call may be sent now; else the error to reject it with. */
  refusal(): RedisDisconnectedError | undefined {
    if (!this.#wasReady || this.connection.isReady()) return undefined
    return new RedisDisconnectedError(this.connection.status(), false)
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
    for (const off of this.#listening.splice(0)) off()
  }
}

const gates = new WeakMap<RedisConnection, ConnectionGate>()
