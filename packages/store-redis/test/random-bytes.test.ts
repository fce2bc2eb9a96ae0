// Random bytes in place of stored values, in every format: each read is a miss or an entry, never a throw at the
// caller, never a value that is not an entry, and never an unhandled rejection.

import { isCacheEntry, TieredCache } from '@tiered/core'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStore, type RedisStoreConfig } from '../src/index.js'
import { sleep, uniquePrefix, useClient, useRedis } from './support/redis.js'

const formats: [string, RedisStoreConfig][] = [
  ['JSON', {}],
  ['v8', { useJsonMarshalling: false }],
]

describe.each(formats)('random bytes under %s', (_, config) => {
  const redis = useRedis()
  const client = useClient()
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)

  beforeAll(() => {
    process.on('unhandledRejection', onUnhandled)
  })
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled)
  })

  it('are a miss or an entry, through get, a batch and swr', async () => {
    const prefix = uniquePrefix('random-bytes')
    const store = createRedisStore('redis', client, { ...config, keyPrefix: prefix })
    let reported = 0
    const cache = new TieredCache({ stores: [store], onError: () => reported++ })
    let misses = 0
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 64 }),
        fc.string({ maxLength: 40 }),
        async (bytes, text) => {
          await redis.set(`${prefix}bytes`, Buffer.from(bytes))
          await redis.set(`${prefix}text`, text)
          const direct = await store.get('bytes').catch(() => undefined)
          expect(direct === undefined || isCacheEntry(direct)).toBe(true)
          const [fromBytes, fromText] = await Promise.all([cache.get('bytes'), cache.get('text')])
          if (fromBytes === undefined) misses++
          if (fromText === undefined) misses++
          await expect(cache.swr({ queryKey: 'text', queryFn: async () => 'loaded' })).resolves.toBeDefined()
          await cache.delete('text')
        },
      ),
      { numRuns: 150 },
    )
    expect(misses).toBeGreaterThan(250)
    expect(reported).toBeGreaterThan(0)
    await sleep(20)
    expect(unhandled).toEqual([])
  })
})
