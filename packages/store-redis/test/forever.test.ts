// ttlMs Infinity (an entry written with ttl: Infinity) is kept with no expiry: a plain SET, PTTL -1, by set, by the
// setMany script, by the pipeline where scripts are refused, with PX or EX.

import { describe, expect, it } from 'vitest'
import { createRedisStore } from '../src/index.js'
import { entryOf, uniquePrefix, useRedis, withoutScripts } from './support/redis.js'

const FOREVER_MS = Number.POSITIVE_INFINITY

describe('ttlMs Infinity', () => {
  const redis = useRedis()

  it.each([
    ['PX', false],
    ['EX', true],
  ])(
    '%s: set and setMany write with no expiry; a later ttl expires it again',
    async (_, useIntegerForTtl) => {
      const prefix = uniquePrefix('forever')
      const store = createRedisStore('redis', redis, { keyPrefix: prefix, useIntegerForTtl })
      await store.set('one', entryOf(1), 60_000)
      await store.set('one', entryOf(1), FOREVER_MS)
      const kept = entryOf(2)
      await store.setMany([
        { key: 'a', entry: kept, ttlMs: FOREVER_MS },
        { key: 'b', entry: entryOf(3), ttlMs: 60_000 },
      ])
      expect(await redis.pttl(`${prefix}one`)).toBe(-1)
      expect(await redis.pttl(`${prefix}a`)).toBe(-1)
      expect(await redis.pttl(`${prefix}b`)).toBeGreaterThan(0)
      expect(await store.get('a')).toEqual(kept)
      await store.set('one', entryOf(1), 60_000)
      expect(await redis.pttl(`${prefix}one`)).toBeGreaterThan(0)
    },
  )

  it('the pipeline where scripts are refused writes with no expiry too', async () => {
    await withoutScripts(redis, async (limited) => {
      const prefix = uniquePrefix('forever-pipeline')
      const store = createRedisStore('redis', limited, { keyPrefix: prefix })
      await store.setMany([
        { key: 'a', entry: entryOf(1), ttlMs: FOREVER_MS },
        { key: 'b', entry: entryOf(2), ttlMs: 60_000 },
      ])
      expect(await redis.pttl(`${prefix}a`)).toBe(-1)
      expect(await redis.pttl(`${prefix}b`)).toBeGreaterThan(0)
    })
  })
})
