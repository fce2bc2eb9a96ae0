// A notice that could not be published (the bus's client was reconnecting) is reported and published again once
// the client is back, so another process stops serving its old copy late rather than never.

import { type CacheEvents, TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisBus, createRedisStore } from '@tiered/store-redis'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, inject, it, vi } from 'vitest'
import { uniquePrefix } from './support/redis.js'

const clients: Redis[] = []
const connect = () => {
  const client = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 })
  clients.push(client)
  return client
}
afterAll(() => {
  for (const client of clients) client.disconnect()
})

describe('a publish that fails', () => {
  it('is reported, retried from the queue, and reaches the other process once the bus client is back', async () => {
    const prefix = uniquePrefix('retry')
    const errors: CacheEvents['error'][] = []
    const busClientOfA = connect()
    const member = (busClient: Redis, onError?: (error: unknown, event: CacheEvents['error']) => void) =>
      new TieredCache({
        stores: [createMemoryStore('memory'), createRedisStore('redis', connect(), { keyPrefix: prefix })],
        bus: createRedisBus(busClient, { channel: `${prefix}bus` }),
        ...(onError === undefined ? {} : { onError }),
      })
    const a = member(busClientOfA, (_, event) => errors.push(event))
    const b = member(connect())
    await Promise.all([a.ready(), b.ready()])
    await a.set('k', 'v1')
    // Until A's notice of v1 has reached B, B's memory copy may still be expired by it: wait until B serves v1 from
    // memory twice in a row.
    let tier = ''
    b.on('hit', (event) => {
      tier = event.tier
    })
    await vi.waitFor(
      async () => {
        expect(await b.get('k')).toBe('v1')
        expect(tier).toBe('memory')
        await new Promise((resolve) => setTimeout(resolve, 20))
        expect(await b.get('k')).toBe('v1')
        expect(tier).toBe('memory')
      },
      { timeout: 5_000, interval: 10 },
    )

    // Cut the bus client of A (not its store client) and change the key while it reconnects.
    const id = await busClientOfA.client('ID')
    await connect().client('KILL', 'ID', String(id))
    await vi.waitFor(() => expect(busClientOfA.status).not.toBe('ready'), { timeout: 2_000, interval: 1 })
    await a.set('k', 'v2')
    expect(await b.get('k')).toBe('v1') // B has not heard yet: its memory copy is fresh

    await vi.waitFor(async () => expect(await b.get('k')).toBe('v2'), { timeout: 5_000, interval: 10 })
    expect(errors.some((event) => event.operation === 'bus')).toBe(true)
    await Promise.all([a.close(), b.close()])
  })
})
