// Bytes that are not an entry are a reported miss through a TieredCache, and prototype keys never reach the
// application, whatever the format.

import { serialize as v8Serialize } from 'node:v8'
import { CacheSerializationError, type CacheStoreError, TieredCache } from '@tiered/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createRedisStore, type RedisStoreConfig } from '../src/index.js'
import { entryOf, uniquePrefix, useClient, useRedis, waitFor } from './support/redis.js'

const now = Date.now()
const stamps = `"createdAt":${now},"freshUntil":${now + 60_000},"expiresAt":${now + 120_000},"graceUntil":${now + 120_000}`

/** Polls `read` (bounded) until it gives something other than undefined, and returns that. */
function eventually<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  return waitFor(() => read().catch(() => undefined), { timeoutMs: 5_000, intervalMs: 25 })
}

/** A naive recursive merge, of the kind that turns an own `__proto__` key into prototype pollution. */
function naiveMerge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const key of Object.keys(source)) {
    const value = source[key]
    if (value !== null && typeof value === 'object') {
      if (target[key] === null || typeof target[key] !== 'object') target[key] = {}
      naiveMerge(target[key] as Record<string, unknown>, value as Record<string, unknown>)
    } else {
      target[key] = value
    }
  }
}

describe('bytes that are not an entry', () => {
  const redis = useRedis()
  const client = useClient()

  afterEach(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  /** Puts `raw` under the key, then runs a TieredCache swr over it. */
  async function swrOver(raw: string | Buffer, config: RedisStoreConfig = {}) {
    const prefix = uniquePrefix('corrupt')
    await redis.set(`${prefix}k`, raw, 'EX', 60)
    const store = createRedisStore('redis', client, { ...config, keyPrefix: prefix })
    const errors: unknown[] = []
    const cache = new TieredCache({
      stores: [store],
      onError: (error) => errors.push(error),
      storeTimeout: '10s',
    })
    let loads = 0
    const value = await cache.swr({
      queryKey: 'k',
      queryFn: async () => {
        loads++
        return 'loaded'
      },
    })
    return { value, loads, errors, stats: cache.stats(), store, prefix }
  }

  it.each([
    ['invalid JSON', 'not json {'],
    ['an empty string', ''],
    ['JSON null', 'null'],
    ['a JSON number', '42'],
    ['a JSON array', `[{"value":1,${stamps}}]`],
    ['an entry without a value', `{${stamps}}`],
    ['an entry without timestamps', '{"value":1}'],
    [
      'a timestamp that is a string',
      `{"value":1,${stamps.replace(`"createdAt":${now}`, '"createdAt":"now"')}}`,
    ],
    [
      'a timestamp that overflows to Infinity',
      `{"value":1,${stamps.replace(`"graceUntil":${now + 120_000}`, '"graceUntil":1e400')}}`,
    ],
    ['the entry hidden under __proto__', `{"__proto__":{"value":1,"polluted":1,${stamps}}}`],
    ['the entry hidden under an escaped __proto__', `{"\\u005f_proto__":{"value":1,"polluted":1,${stamps}}}`],
    ['constructor.prototype instead of an entry', '{"constructor":{"prototype":{"polluted":1}}}'],
  ])('JSON: %s is a reported miss, then replaced by the load', async (_, raw) => {
    const { value, loads, errors, stats, store } = await swrOver(raw)
    expect(value).toBe('loaded')
    expect(loads).toBe(1)
    expect(stats.misses).toBe(1)
    expect(stats.storeErrors).toBe(1)
    expect(errors).toHaveLength(1)
    expect((errors[0] as CacheStoreError).operation).toBe('get')
    expect((errors[0] as CacheStoreError).cause).toBeInstanceOf(CacheSerializationError)
    // The engine does not wait for a write to a tier that just failed, so the replacement lands shortly after.
    expect(await eventually(async () => (await store.get('k'))?.value)).toBe('loaded')
  })

  it.each([
    ['garbage', Buffer.from('definitely not v8')],
    ['a truncated v8 header', Buffer.from([0xff, 0x0f, 0x6f, 0x22])],
    ['a v8 string, not an entry', v8Serialize('just a string')],
    ['a v8 entry without timestamps', v8Serialize({ value: 1 })],
    [
      'the entry hidden under a v8 __proto__ key',
      v8Serialize(JSON.parse(`{"__proto__":{"value":1,${stamps}}}`)),
    ],
  ])('v8: %s is a reported miss, then replaced by the load', async (_, raw) => {
    const { value, loads, errors, stats } = await swrOver(raw, { useJsonMarshalling: false })
    expect(value).toBe('loaded')
    expect(loads).toBe(1)
    expect(stats.misses).toBe(1)
    expect((errors[0] as CacheStoreError).cause).toBeInstanceOf(CacheSerializationError)
  })

  it('rejects get and getMany with CacheSerializationError naming the key', async () => {
    const prefix = uniquePrefix('corrupt-direct')
    await redis.set(`${prefix}bad`, '{"value":', 'EX', 60)
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    await expect(store.get('bad')).rejects.toMatchObject({ name: 'CacheSerializationError', key: 'bad' })
    await expect(store.getMany(['bad', 'absent'])).rejects.toBeInstanceOf(CacheSerializationError)
  })

  it('costs a batched read only the bad key: the engine re-reads the rest one by one', async () => {
    const prefix = uniquePrefix('corrupt-batch')
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    await store.set('good', entryOf('cached'), 60_000)
    await redis.set(`${prefix}bad`, 'garbage', 'EX', 60)
    const errors: unknown[] = []
    const cache = new TieredCache({
      stores: [store],
      onError: (error) => errors.push(error),
      storeTimeout: '10s',
    })
    await cache.get('warm-up') // the engine learns the tier is asynchronous, and batches reads from then on
    const loaded: string[] = []
    const load = async ({ key }: { key: string }) => {
      loaded.push(key)
      return `loaded ${key}`
    }
    const [good, bad] = await Promise.all([
      cache.swr({ queryKey: 'good', queryFn: load }),
      cache.swr({ queryKey: 'bad', queryFn: load }),
    ])
    expect(good).toBe('cached')
    expect(bad).toBe('loaded bad')
    expect(loaded).toEqual(['bad'])
    expect(errors).toHaveLength(1)
    expect((errors[0] as CacheStoreError).key).toBe('bad')
  })
})

describe('prototype keys in an otherwise valid entry', () => {
  const redis = useRedis()
  const client = useClient()

  afterEach(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  const payload =
    '{"__proto__":{"polluted":1},"value":{"name":"Ada","__proto__":{"polluted":1},' +
    `"nested":[{"\\u005f_proto__":{"polluted":1}}],"constructor":{"prototype":{"polluted":1},"kept":true}},${stamps}}`

  function expectClean(value: unknown): void {
    const record = value as Record<string, unknown>
    expect(record.name).toBe('Ada')
    expect(Object.hasOwn(record, '__proto__')).toBe(false)
    expect(Object.hasOwn((record.nested as object[])[0] as object, '__proto__')).toBe(false)
    expect(record.constructor).toEqual({ kept: true })
    // Even a naive deep merge of what came back cannot reach Object.prototype.
    naiveMerge({}, record)
  }

  it('JSON: are dropped, the rest is served', async () => {
    const prefix = uniquePrefix('proto-json')
    await redis.set(`${prefix}k`, payload, 'EX', 60)
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    const entry = await store.get('k')
    expect(entry).toBeDefined()
    expect(Object.hasOwn(entry as object, '__proto__')).toBe(false)
    expectClean(entry?.value)
    const [fromBatch] = await store.getMany(['k'])
    expectClean(fromBatch?.value)
  })

  it('v8: are dropped, the rest is served', async () => {
    const prefix = uniquePrefix('proto-v8')
    await redis.set(`${prefix}k`, v8Serialize(JSON.parse(payload)), 'EX', 60)
    const store = createRedisStore('redis', client, { keyPrefix: prefix, useJsonMarshalling: false })
    const entry = await store.get('k')
    expect(Object.hasOwn(entry as object, '__proto__')).toBe(false)
    expectClean(entry?.value)
  })

  it('your serializer: are dropped from what it decodes', async () => {
    const prefix = uniquePrefix('proto-custom')
    await redis.set(`${prefix}k`, payload, 'EX', 60)
    const store = createRedisStore('redis', client, {
      keyPrefix: prefix,
      serializer: {
        serialize: (entry) => JSON.stringify(entry),
        deserialize: (raw) => JSON.parse(raw.toString()),
      },
    })
    expectClean((await store.get('k'))?.value)
  })
})
