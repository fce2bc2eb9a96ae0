// The fleet lock on Redis: a lease per key is `SET key token NX PX ttl`, released by a script that deletes the key
// only while it still holds the caller's token, so a lapsed holder never frees a lease another process took since.

import { randomBytes } from 'node:crypto'
import type { CacheLock } from '@tiered/core'
import { ConnectionGate, type RedisClient } from './connection.js'

export interface RedisLockConfig {
  /** Put before every lease key. Default `'tiered:lock:'`. */
  keyPrefix?: string
}

/** Each Redis lock's client and key prefix, so that a store on the same client can end its leases with a write. */
const LOCKS = new WeakMap<CacheLock, { client: RedisClient; keyPrefix: string }>()

/** The Redis key of `key`'s lease when `lock` is a Redis lock on `client`; else undefined. */
export function leaseKeyOn(lock: CacheLock, client: RedisClient, key: string): string | undefined {
  const found = LOCKS.get(lock)
  return found === undefined || found.client !== client ? undefined : found.keyPrefix + key
}

const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new TypeError(`A lock key must be a string; got ${typeof key}`)
}

/**
 * A `CacheLock` on an ioredis `Redis` or `Cluster` (5 or 6) or a node-redis `createClient()` or `createCluster()`
 * (5 or 6); each lease is one key, so a Cluster routes it by slot. It fails at once while the client knows it is
 * disconnected (a call in flight fails at the drop), as the store does, and never closes `client`.
 */
export function createRedisLock(client: RedisClient, config: RedisLockConfig = {}): CacheLock {
  const keyPrefix = config.keyPrefix ?? 'tiered:lock:'
  if (typeof keyPrefix !== 'string') throw new TypeError('createRedisLock: keyPrefix must be a string')
  // A TypeError naming both libraries for anything else.
  const gate = ConnectionGate.acquire(client)
  const redis = gate.connection
  let closed = false

  const lock: CacheLock = {
    async acquire(key, ttlMs) {
      checkKey(key)
      if (typeof ttlMs !== 'number')
        throw new TypeError(`A lease ttl must be a number of milliseconds; got ${typeof ttlMs}`)
      if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) {
        throw new RangeError(`A lease ttl must be a whole number of milliseconds, at least 1; got ${ttlMs}`)
      }
      const token = randomBytes(16).toString('base64url')
      const leaseKey = keyPrefix + key
      let taken: boolean
      try {
        taken = await gate.run(() => redis.setIfAbsent(leaseKey, token, ttlMs))
      } catch (error) {
        // A SET NX in flight when the connection dropped may still run: a client that resends unanswered commands
        // after it reconnects (ioredis's default) would take a lease nobody knows of, and the fleet would wait out
        // its ttl. A release queued behind it ends that lease, or finds nothing.
        redis.eval(RELEASE_SCRIPT, [leaseKey], [token]).catch(() => {})
        throw error
      }
      return taken ? token : undefined
    },

    async release(key, token) {
      checkKey(key)
      if (typeof token !== 'string' || token === '')
        throw new TypeError('A lease token must be a non-empty string')
      await gate.run(() => redis.eval(RELEASE_SCRIPT, [keyPrefix + key], [token]))
    },

    close() {
      if (closed) return
      closed = true
      gate.release()
    },
  }
  LOCKS.set(lock, { client, keyPrefix })
  return lock
}
