// Core's diagnostics channels over a real Redis: loads of a fleet sharing the Redis lock (the holder loads, the
// other takes the value from the fleet), store calls that fail while Redis is down and the circuit that opens and
// closes around it, batched store calls, and a bus gap when Redis drops the subscriber's connection.

import diagnostics from 'node:diagnostics_channel'
import { DiagnosticChannels, type LoadMessage, type StoreMessage, TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisBus, createRedisLock, createRedisStore } from '@tiered/store-redis'
import { startRedisServer } from '@tiered/testing'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { connectRedis, uniquePrefix } from './support/redis.js'

let redis: Redis
beforeAll(() => {
  redis = connectRedis()
})
afterAll(() => {
  redis.disconnect()
})

const stops: (() => void)[] = []
afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

/** The messages of a traced channel as they were when each call ended. */
function ended<M extends object>(kind: 'load' | 'store'): M[] {
  const seen: M[] = []
  const channel = diagnostics.tracingChannel<unknown, M>(DiagnosticChannels[kind])
  const asyncEnd = (message: unknown) => {
    const { result: _result, ...rest } = message as M & { result?: unknown }
    seen.push(rest as M)
  }
  channel.asyncEnd.subscribe(asyncEnd)
  stops.push(() => channel.asyncEnd.unsubscribe(asyncEnd))
  return seen
}

function listen<M>(name: string): M[] {
  const seen: M[] = []
  const listener = (message: unknown) => seen.push({ ...(message as M) })
  diagnostics.subscribe(name, listener)
  stops.push(() => diagnostics.unsubscribe(name, listener))
  return seen
}

function member(name: string, prefix: string, client: Redis = redis) {
  return new TieredCache({
    name,
    stores: [createMemoryStore('memory'), createRedisStore('redis', client, { keyPrefix: prefix })],
    bus: createRedisBus(client, { channel: `${prefix}bus` }),
    lock: createRedisLock(client, { keyPrefix: `${prefix}lock:` }),
    onError: () => {},
  })
}

describe('a fleet of two caches sharing the Redis lock', () => {
  it('the holder of the lease loads; the other takes its value from the fleet', async () => {
    const loads = ended<LoadMessage>('load')
    const prefix = uniquePrefix('diagnostics-fleet')
    const [a, b] = [member('a', prefix), member('b', prefix)]
    await Promise.all([a.ready(), b.ready()])
    let calls = 0
    const queryFn = async () => {
      calls++
      await new Promise((resolve) => setTimeout(resolve, 100))
      return 'value'
    }
    const first = a.swr({ queryKey: 'cold', queryFn })
    // b asks once a holds the lease.
    await vi.waitFor(async () => expect(await redis.exists(`${prefix}lock:cold`)).toBe(1), { timeout: 5_000 })
    const second = b.swr({ queryKey: 'cold', queryFn })
    expect(await Promise.all([first, second])).toEqual(['value', 'value'])
    expect(calls).toBe(1)
    expect(loads).toEqual(
      expect.arrayContaining([
        { cache: 'a', key: 'cold', background: false, fleet: 'holder', outcome: 'loaded' },
        { cache: 'b', key: 'cold', background: false, fleet: 'waiter', outcome: 'from-fleet' },
      ]),
    )
    expect(loads).toHaveLength(2)
    await Promise.all([a.close(), b.close()])
  })

  it("swrMany holding its keys' leases loads them in one call, as the holder", async () => {
    const loads = ended<LoadMessage>('load')
    const stores = ended<StoreMessage>('store')
    const prefix = uniquePrefix('diagnostics-many')
    const a = member('a', prefix)
    await a.ready()
    await a.swrMany({ queryKeys: ['x', 'y', 'z'], queryFn: (context) => context.keys.map((key) => key) })
    expect(loads).toEqual([{ cache: 'a', keys: 3, background: false, fleet: 'holder', outcome: 'loaded' }])
    // The three reads of Redis went out as one getMany. Each write carries its key's lease release (DESIGN "Fleet"
    // rule 7), so the writes are not batched: one message per store call, with its count of keys, three in all.
    const redis = stores.filter((m) => m.tier === 'redis')
    expect(redis.filter((m) => m.operation.startsWith('get')).map((m) => [m.operation, m.keys])).toEqual([
      ['getMany', 3],
    ])
    const writes = redis.filter((m) => m.operation.startsWith('set'))
    expect(writes.reduce((sum, m) => sum + m.keys, 0)).toBe(3)
    await a.close()
  })
})

describe('Redis down and back', () => {
  it('store calls fail while it is down, its circuit opens, and closes once it is back', async () => {
    const stores = ended<StoreMessage>('store')
    const circuits = listen<unknown>(DiagnosticChannels.circuit)
    const server = await startRedisServer()
    const client = new Redis({
      host: server.host,
      port: server.port,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50,
    })
    // Its reconnects fail while the server is down, as this test means them to: ioredis would print each one.
    client.on('error', () => {})
    try {
      const cache = new TieredCache({
        name: 'down',
        stores: [createMemoryStore('memory'), createRedisStore('redis', client, { keyPrefix: 'd:' })],
        circuitBreaker: { failureThreshold: 2, cooldown: '50ms' },
        storeTimeout: '500ms',
        onError: () => {},
      })
      await cache.set('warm', 1)
      server.kill('SIGKILL')
      await vi.waitFor(() => expect(client.status).not.toBe('ready'), { timeout: 5_000 })
      await cache.get('a')
      await cache.get('b')
      expect(circuits).toContainEqual({ cache: 'down', tier: 'redis', operations: 'reads', state: 'open' })
      const failed = stores.filter((m) => m.tier === 'redis' && m.error !== undefined)
      expect(failed.length).toBeGreaterThanOrEqual(2)
      expect(failed[0]).toMatchObject({
        cache: 'down',
        operation: 'get',
        keys: 1,
        error: { code: 'TIERED_STORE' },
      })
      await server.restart()
      await vi.waitFor(
        () =>
          expect(circuits).toContainEqual({
            cache: 'down',
            tier: 'redis',
            operations: 'reads',
            state: 'closed',
          }),
        { timeout: 10_000, interval: 20 },
      )
      await cache.close()
    } finally {
      client.disconnect()
      await server.stop()
    }
  })
})

describe('the Redis bus', () => {
  it('a gap when Redis drops the subscriber, besides notices sent and received', async () => {
    const notices = listen<{ cache: string; direction: string; type?: string }>(DiagnosticChannels.bus)
    // A server of its own: dropping every subscriber of the shared one would hit other tests' buses.
    const server = await startRedisServer()
    const client = new Redis({ host: server.host, port: server.port, maxRetriesPerRequest: 1 })
    try {
      const [a, b] = [member('a', 'gap:', client), member('b', 'gap:', client)]
      await Promise.all([a.ready(), b.ready()])
      await a.set('k', 1)
      await vi.waitFor(() =>
        expect(notices).toContainEqual({ cache: 'b', direction: 'received', type: 'set', keys: 1 }),
      )
      expect(notices).toContainEqual({ cache: 'a', direction: 'sent', type: 'set', keys: 1 })
      // Every subscriber connection is dropped; each bus reconnects and reports the gap.
      await client.client('KILL', 'TYPE', 'pubsub')
      await vi.waitFor(
        () => {
          expect(notices).toContainEqual({ cache: 'a', direction: 'gap', keys: 0 })
          expect(notices).toContainEqual({ cache: 'b', direction: 'gap', keys: 0 })
        },
        { timeout: 10_000, interval: 20 },
      )
      await Promise.all([a.close(), b.close()])
    } finally {
      client.disconnect()
      await server.stop()
    }
  })
})
