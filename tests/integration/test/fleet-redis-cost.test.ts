// DESIGN "Fleet", lock rule 7, on a real redis-server: the commands a fleet refresh sends, watched with MONITOR. Two
// caches in one process (memory over one Redis, with the Redis bus and lock): a stale key's refresh is the lease's
// SET NX PX, one EVAL that writes the value and releases the lease (the store and the lock share the client), and one
// PUBLISH; the other cache reads the key once, after the notice.

import { TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisBus, createRedisLock, createRedisStore } from '@tiered/store-redis'
import { commandsUnder, watchCommands } from '@tiered/testing'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, inject, it, vi } from 'vitest'
import { connectRedis, uniquePrefix } from './support/redis.js'

let redis: Redis
beforeAll(() => {
  redis = connectRedis()
})
afterAll(() => {
  redis.disconnect()
})

it('a stale key refreshed for the fleet: SET NX PX, the write with the release (one EVAL) and one PUBLISH; the other cache reads once', async () => {
  const prefix = uniquePrefix('redis-cost')
  const member = () =>
    new TieredCache({
      stores: [createMemoryStore('memory'), createRedisStore('redis', redis, { keyPrefix: prefix })],
      bus: createRedisBus(redis, { channel: `${prefix}bus` }),
      lock: createRedisLock(redis, { keyPrefix: `${prefix}lock:` }),
    })
  const a = member()
  const b = member()
  try {
    await Promise.all([a.ready(), b.ready()])
    let loads = 0
    const options = { queryKey: 'k', fresh: 100, ttl: 60_000, queryFn: async () => `v${++loads}` }
    expect(await a.swr(options)).toBe('v1')
    expect(await b.swr(options)).toBe('v1')
    await new Promise((resolve) => setTimeout(resolve, 150))
    const url = new URL(inject('redisUrl'))
    const watch = await watchCommands(url.hostname, Number(url.port))
    // a refreshes in the background; its notice expires b's copy, and b's next read fetches the new value.
    expect(await a.swr(options)).toBe('v1')
    await vi.waitFor(() => expect(loads).toBe(2), { timeout: 5_000, interval: 5 })
    await vi.waitFor(async () => expect(await redis.exists(`${prefix}lock:k`)).toBe(0), { timeout: 5_000 })
    expect(await b.get('k')).toBe('v2')
    const commands = commandsUnder(await watch.stop(), prefix).filter(([name]) => name !== 'exists')
    // The value's write and the lease's release travel as one command.
    const evals = commands.filter(([name]) => name === 'eval')
    expect(evals).toHaveLength(1)
    expect(evals[0]).toEqual(expect.arrayContaining([`${prefix}k`, `${prefix}lock:k`]))
    const sent = commands.map((args) =>
      args.some((arg) => arg.startsWith(`${prefix}lock:`)) ? `${args[0]} lease` : args[0],
    )
    expect(loads).toBe(2)
    // MONITOR also shows what the script runs inside: the value's SET, and GET and DEL of the lease.
    expect(sent.sort()).toEqual([
      'del lease',
      'eval lease',
      'get',
      'get lease',
      'publish',
      'set',
      'set lease',
    ])
  } finally {
    await Promise.all([a.close(), b.close()])
  }
})
