// The fleet bus on Redis pub/sub: publish sends a compact notice (type, keys or tags, origin; never a value) on one
// channel, subscribe listens on a connection of its own and says gap() each time that connection comes back.

import type { BusHandlers, BusMessage, CacheBus } from '@tiered/core'
import type { Subscriber } from './clients/redis-connection.js'
import { ConnectionGate, type RedisClient } from './connection.js'

export interface RedisBusConfig {
  /** The pub/sub channel every cache of the fleet shares. Default `'tiered:bus'`. */
  channel?: string
}

/** Wire format version, the first element of every notice. */
const FORMAT = 1
/** Keys (or tags) per PUBLISH: a large notice is sent as several, so no single message is unbounded. */
const KEYS_PER_PUBLISH = 1_000
/** Pause before connecting the subscriber again after it dropped: grows per failed attempt, capped. */
const RECONNECT_STEP_MS = 50
const RECONNECT_MAX_MS = 500

const TYPE_CODES = { set: 's', delete: 'd', expire: 'e', clear: 'c', tags: 't' } as const
type BusType = BusMessage['type']
const TYPES_BY_CODE = new Map<string, BusType>(
  Object.entries(TYPE_CODES).map(([type, code]) => [code, type as BusType]),
)

function isNonEmptyStringArray(value: unknown): value is readonly string[] {
  if (!Array.isArray(value) || value.length === 0) return false
  for (const item of value) if (typeof item !== 'string') return false
  return true
}

/** The names a notice carries: `keys` for set/delete/expire, `tags` for tags, none for clear. */
function namesField(type: BusType): 'keys' | 'tags' | undefined {
  if (type === 'clear') return undefined
  return type === 'tags' ? 'tags' : 'keys'
}

/**
 * Encodes `message` as one or more JSON arrays `[1, code, origin, names?]`, e.g. `[1,"d","cache-a",["user:1"]]`:
 * code `s` set, `d` delete, `e` expire, `c` clear (no names), `t` tags. Throws a TypeError on a malformed message.
 */
function encodeBusMessage(message: BusMessage): string[] {
  if (message === null || typeof message !== 'object') throw new TypeError('A bus message must be an object')
  const type = message.type
  if (typeof type !== 'string' || !Object.hasOwn(TYPE_CODES, type)) {
    throw new TypeError(
      `A bus message type must be one of ${Object.keys(TYPE_CODES).join(', ')}; got ${String(type)}`,
    )
  }
  const origin = message.origin
  if (typeof origin !== 'string' || origin === '') {
    throw new TypeError('A bus message needs its origin: the id of the sending cache, a non-empty string')
  }
  const code = TYPE_CODES[type]
  const field = namesField(type)
  if (field === undefined) return [JSON.stringify([FORMAT, code, origin])]
  const names = message[field]
  if (!isNonEmptyStringArray(names)) {
    throw new TypeError(`A '${type}' bus message needs ${field}: a non-empty array of strings`)
  }
  const encoded: string[] = []
  for (let start = 0; start < names.length; start += KEYS_PER_PUBLISH) {
    encoded.push(JSON.stringify([FORMAT, code, origin, names.slice(start, start + KEYS_PER_PUBLISH)]))
  }
  return encoded
}

/** Decodes what `encodeBusMessage` wrote; throws a TypeError on anything else. */
function decodeBusMessage(text: string): BusMessage {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new TypeError(`Undecodable bus message (not JSON): ${text.slice(0, 80)}`, { cause: error })
  }
  const fail = (why: string) => new TypeError(`Undecodable bus message (${why}): ${text.slice(0, 80)}`)
  if (!Array.isArray(parsed)) throw fail('not an array')
  const [format, code, origin, names] = parsed as unknown[]
  if (format !== FORMAT) throw fail(`format ${String(format)}, this reader knows ${FORMAT}`)
  const type = typeof code === 'string' ? TYPES_BY_CODE.get(code) : undefined
  if (type === undefined) throw fail('unknown type')
  if (typeof origin !== 'string' || origin === '') throw fail('no origin')
  const field = namesField(type)
  if (field === undefined) return { type, origin }
  if (!isNonEmptyStringArray(names)) throw fail(`${field} is not a non-empty array of strings`)
  return field === 'keys' ? { type, keys: names, origin } : { type, tags: names, origin }
}

/**
 * A `CacheBus` on Redis pub/sub for an ioredis `Redis` or `Cluster` (5 or 6) or a node-redis `createClient()` or
 * `createCluster()` (5 or 6). Publishing (and `ping`, the cache's probe of an open circuit) uses `client`, failing at
 * once while it knows it is disconnected, as the store does; subscribing opens a connection of its own, which
 * `close()` ends. `client` itself is never closed.
 */
export function createRedisBus(client: RedisClient, config: RedisBusConfig = {}): CacheBus {
  const channel = config.channel ?? 'tiered:bus'
  if (typeof channel !== 'string' || channel === '') {
    throw new TypeError('createRedisBus: channel must be a non-empty string')
  }
  // A TypeError naming both libraries for anything else; fails a publish at once while the client is disconnected.
  const gate = ConnectionGate.acquire(client)
  const redis = gate.connection
  let handlers: BusHandlers | undefined
  let subscriber: Subscriber | undefined
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined
  let failedAttempts = 0
  let subscriptions = 0
  let outageReported = false
  let closed = false
  let firstSubscribed: (() => void) | undefined

  const report = (error: unknown): void => {
    try {
      handlers?.error?.(error)
    } catch {
      // A throwing error handler must not break the subscriber.
    }
  }
  const reportOutage = (error: unknown): void => {
    if (outageReported) return
    outageReported = true
    report(error)
  }

  const deliver = (text: string): void => {
    let message: BusMessage
    try {
      message = decodeBusMessage(text)
    } catch (error) {
      report(error)
      return
    }
    try {
      handlers?.message(message)
    } catch (error) {
      report(error)
    }
  }

  const subscribed = (): void => {
    failedAttempts = 0
    outageReported = false
    subscriptions++
    if (subscriptions === 1) {
      firstSubscribed?.()
      return
    }
    try {
      handlers?.gap()
    } catch (error) {
      report(error)
    }
  }

  const connect = (): void => {
    reconnectTimer = undefined
    if (closed) return
    const current = redis.openSubscriber(failedAttempts)
    if (current === undefined) {
      // A Cluster that knows no node yet: try again shortly.
      failedAttempts++
      scheduleReconnect()
      return
    }
    subscriber = current
    current.onError(reportOutage)
    // A dropped or failed subscriber connection ends; the next one's subscription is the gap.
    current.onEnd(() => {
      if (closed || subscriber !== current) return
      subscriber = undefined
      if (subscriptions > 0) {
        try {
          handlers?.lost?.()
        } catch (error) {
          report(error)
        }
      }
      failedAttempts++
      scheduleReconnect()
    })
    current.subscribe(channel, deliver).then(() => {
      if (!closed && subscriber === current) subscribed()
    }, reportOutage)
  }

  const scheduleReconnect = (): void => {
    if (closed || reconnectTimer !== undefined) return
    const delay = Math.min(failedAttempts * RECONNECT_STEP_MS, RECONNECT_MAX_MS)
    reconnectTimer = setTimeout(connect, delay)
    reconnectTimer.unref?.()
  }

  return {
    async publish(message) {
      const encoded = encodeBusMessage(message)
      await Promise.all(encoded.map((text) => gate.run(() => redis.publish(channel, text))))
    },

    async ping() {
      await gate.run(() => redis.ping())
    },

    subscribe(given) {
      if (given === null || typeof given !== 'object' || typeof given.message !== 'function') {
        return Promise.reject(new TypeError('subscribe needs handlers with message() and gap()'))
      }
      if (typeof given.gap !== 'function')
        return Promise.reject(new TypeError('subscribe needs a gap() handler'))
      if (closed) return Promise.reject(new Error('This bus is closed'))
      if (handlers !== undefined) return Promise.reject(new Error('This bus already has a subscriber'))
      handlers = given
      return new Promise<void>((resolve) => {
        firstSubscribed = resolve
        connect()
      })
    },

    close() {
      if (closed) return
      closed = true
      gate.release()
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer)
      reconnectTimer = undefined
      subscriber?.close()
      subscriber = undefined
      firstSubscribed?.()
    },
  }
}
