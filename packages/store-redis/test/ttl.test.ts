// PX milliseconds by default, EX whole seconds with useIntegerForTtl, both rounded up, read back from the server.

import { commandsUnder } from '@tiered/testing'
import { describe, expect, it } from 'vitest'
import { createRedisStore } from '../src/index.js'
import {
  entryOf,
  type Redis,
  uniquePrefix,
  useClient,
  useRedis,
  waitFor,
  watchNode,
} from './support/redis.js'

/** Whether `key` left Redis within `maxMs` (polled every 25 ms). */
async function waitUntilGone(redis: Redis, key: string, maxMs: number): Promise<boolean> {
  return waitFor(async () => (await redis.exists(key)) === 0, { timeoutMs: maxMs, intervalMs: 25 })
}

describe('ttl', () => {
  const redis = useRedis()
  const client = useClient()

  it('sets PX milliseconds by default, rounded up to a whole number', async () => {
    const prefix = uniquePrefix('px')
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    const watch = await watchNode(redis)
    await store.set('k', entryOf(1), 90_000.2)
    await store.setMany([
      { key: 'm', entry: entryOf(2), ttlMs: 45_000 },
      { key: 'n', entry: entryOf(3), ttlMs: 1 },
    ])
    const sets = commandsUnder(await watch.stop(), prefix).filter(([name]) => name === 'set')
    expect(sets.map((command) => [command[1], ...command.slice(3)])).toEqual([
      [`${prefix}k`, 'PX', '90001'],
      [`${prefix}m`, 'PX', '45000'],
      [`${prefix}n`, 'PX', '1'],
    ])
    const pttl = await redis.pttl(`${prefix}k`)
    expect(pttl).toBeGreaterThan(80_000)
    expect(pttl).toBeLessThanOrEqual(90_001)
  })

  it('sets EX whole seconds, rounded up, with useIntegerForTtl', async () => {
    const prefix = uniquePrefix('ex')
    const store = createRedisStore('redis', client, { keyPrefix: prefix, useIntegerForTtl: true })
    const watch = await watchNode(redis)
    await store.set('k', entryOf(1), 90_000)
    await store.set('up', entryOf(1), 90_001)
    await store.setMany([
      { key: 'm', entry: entryOf(2), ttlMs: 1 },
      { key: 'n', entry: entryOf(3), ttlMs: 1_500 },
    ])
    const sets = commandsUnder(await watch.stop(), prefix).filter(([name]) => name === 'set')
    expect(sets.map((command) => [command[1], ...command.slice(3)])).toEqual([
      [`${prefix}k`, 'EX', '90'],
      [`${prefix}up`, 'EX', '91'],
      [`${prefix}m`, 'EX', '1'],
      [`${prefix}n`, 'EX', '2'],
    ])
    expect(await redis.ttl(`${prefix}up`)).toBeGreaterThan(85)
    expect(await redis.ttl(`${prefix}up`)).toBeLessThanOrEqual(91)
  })

  it('lets Redis expire the entry after its ttl', async () => {
    const prefix = uniquePrefix('expire')
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    await store.set('k', entryOf('short'), 100)
    expect(await waitUntilGone(redis, `${prefix}k`, 5_000)).toBe(true)
    expect(await store.get('k')).toBeUndefined()
  })

  it('never expires an entry early with EX: 1 ms becomes a whole second', async () => {
    const prefix = uniquePrefix('expire-ex')
    const store = createRedisStore('redis', client, { keyPrefix: prefix, useIntegerForTtl: true })
    await store.set('k', entryOf('short'), 1)
    const pttl = await redis.pttl(`${prefix}k`)
    expect(pttl).toBeGreaterThan(1)
    expect(pttl).toBeLessThanOrEqual(1_000)
    expect(await waitUntilGone(redis, `${prefix}k`, 5_000)).toBe(true)
  })

  it('rejects a ttl that is not a number above zero, writing nothing', async () => {
    const prefix = uniquePrefix('bad-ttl')
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    for (const ttlMs of [0, -1, Number.NaN, Number.NEGATIVE_INFINITY]) {
      await expect(store.set('k', entryOf(1), ttlMs)).rejects.toBeInstanceOf(RangeError)
    }
    await expect(
      store.setMany([
        { key: 'a', entry: entryOf(1), ttlMs: 1_000 },
        { key: 'b', entry: entryOf(2), ttlMs: 0 },
      ]),
    ).rejects.toBeInstanceOf(RangeError)
    expect(await redis.exists(`${prefix}k`, `${prefix}a`, `${prefix}b`)).toBe(0)
  })
})
