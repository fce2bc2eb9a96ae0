// A child process holding one TieredCache (memory over Redis, with or without the Redis bus), driven by its parent
// through IPC: each request names a method and its arguments; each reply gives the result or the error. For the
// tag tests only (tags-process.ts starts it).

import { TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisBus, createRedisStore } from '@tiered/store-redis'
import { Redis } from 'ioredis'

interface Request {
  id: number
  method: 'set' | 'get' | 'swr' | 'deleteByTag' | 'expireByTag' | 'clearNamespace' | 'close'
  args: unknown[]
}

const { TAGS_REDIS_URL: url, TAGS_PREFIX: prefix, TAGS_BUS: withBus } = process.env
if (url === undefined || prefix === undefined) throw new Error('TAGS_REDIS_URL and TAGS_PREFIX are required')

// Commands fail while the server is gone (no offline queue), and the client keeps trying to reconnect.
const redis = new Redis(url, {
  maxRetriesPerRequest: 0,
  enableOfflineQueue: false,
  retryStrategy: () => 50,
})
redis.on('error', () => {})
const cache = new TieredCache({
  stores: [createMemoryStore('memory'), createRedisStore('redis', redis, { keyPrefix: prefix })],
  storeTimeout: 500,
  ...(withBus === '1' ? { bus: createRedisBus(redis, { channel: `${prefix}bus` }) } : {}),
})
cache.on('error', () => {})

async function run(request: Request): Promise<unknown> {
  const [first, second, third] = request.args as [never, never, never]
  switch (request.method) {
    case 'set':
      return cache.set(first, second, third)
    case 'get':
      return cache.get(first)
    case 'swr': {
      const { value, fail, ...options } = second as { value?: unknown; fail?: string }
      return cache.swr({
        queryKey: first,
        ...options,
        queryFn: async () => {
          if (fail !== undefined) throw new Error(fail)
          return value
        },
      })
    }
    case 'deleteByTag':
      return cache.deleteByTag(first)
    case 'expireByTag':
      return cache.expireByTag(first)
    case 'clearNamespace':
      return cache.namespace(first).clear()
    case 'close':
      await cache.close()
      redis.disconnect()
      setImmediate(() => process.exit(0))
      return undefined
  }
}

process.on('message', (request: Request) => {
  run(request).then(
    (value) => process.send?.({ id: request.id, ok: true, value }),
    (error: unknown) =>
      process.send?.({
        id: request.id,
        ok: false,
        name: (error as Error)?.name,
        message: String((error as Error)?.message ?? error),
      }),
  )
})
// Without an offline queue a command sent before the connection is up fails: be ready only once it is.
const connected =
  redis.status === 'ready'
    ? Promise.resolve()
    : new Promise<void>((resolve) => redis.once('ready', () => resolve()))
Promise.all([connected, cache.ready()]).then(() => process.send?.({ ready: true }))
