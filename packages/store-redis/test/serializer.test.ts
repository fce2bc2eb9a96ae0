// JSON (default), v8 and custom formats, and values a format cannot carry as typed, reported write failures.

import { deserialize as v8Deserialize } from 'node:v8'
import { type CacheEntry, CacheSerializationError, CacheStoreError, TieredCache } from '@tiered/core'
import { describe, expect, it } from 'vitest'
import { createRedisStore, type EntrySerializer } from '../src/index.js'
import { entryOf, uniquePrefix, useClient, useRedis } from './support/redis.js'

interface Cyclic {
  self?: Cyclic
}

function cyclic(): Cyclic {
  const value: Cyclic = {}
  value.self = value
  return value
}

/** JSON behind a marker, so that a test can tell the custom format's bytes from the built-in ones. */
const markedJson: EntrySerializer = {
  serialize: (entry) => `custom:${JSON.stringify(entry)}`,
  deserialize: (raw) => JSON.parse(raw.toString().slice('custom:'.length)) as CacheEntry,
}

describe('serialisation', () => {
  const redis = useRedis()
  const client = useClient()

  it('writes JSON of the whole entry by default', async () => {
    const prefix = uniquePrefix('json')
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    const entry = entryOf({ list: [1, 'two', null], deep: { a: { b: 'c' } } })
    await store.set('k', entry, 60_000)
    expect(JSON.parse((await redis.get(`${prefix}k`)) as string)).toEqual(entry)
    expect(await store.get('k')).toEqual(entry)
  })

  it('follows JSON under JSON: a Date comes back as its ISO string', async () => {
    const store = createRedisStore('redis', client, { keyPrefix: uniquePrefix('json-date') })
    const at = new Date('2024-01-02T03:04:05.000Z')
    await store.set('k', entryOf({ at }), 60_000)
    expect((await store.get('k'))?.value).toEqual({ at: '2024-01-02T03:04:05.000Z' })
  })

  it('keeps Date, Map, Set and BigInt with useJsonMarshalling: false (v8)', async () => {
    const prefix = uniquePrefix('v8')
    const store = createRedisStore('redis', client, { keyPrefix: prefix, useJsonMarshalling: false })
    const value = {
      at: new Date('2024-01-02T03:04:05.000Z'),
      byId: new Map<number, string>([[1, 'one']]),
      tags: new Set(['a', 'b']),
      big: 12345678901234567890n,
      missing: undefined,
    }
    const entry = entryOf(value)
    await store.set('k', entry, 60_000)
    const back = (await store.get('k'))?.value as typeof value
    expect(back.at).toBeInstanceOf(Date)
    expect(back.at.getTime()).toBe(value.at.getTime())
    expect(back.byId).toBeInstanceOf(Map)
    expect(back.byId.get(1)).toBe('one')
    expect(back.tags).toBeInstanceOf(Set)
    expect([...back.tags]).toEqual(['a', 'b'])
    expect(back.big).toBe(12345678901234567890n)
    expect(Object.hasOwn(back, 'missing')).toBe(true)
    // The bytes in Redis are v8's, not JSON.
    expect(v8Deserialize((await redis.getBuffer(`${prefix}k`)) as Buffer)).toEqual(entry)
  })

  it('uses your serializer over either built-in format', async () => {
    for (const useJsonMarshalling of [true, false]) {
      const prefix = uniquePrefix('custom')
      const store = createRedisStore('redis', client, {
        keyPrefix: prefix,
        useJsonMarshalling,
        serializer: markedJson,
      })
      const entry = entryOf({ n: 1 })
      await store.set('k', entry, 60_000)
      expect(await redis.get(`${prefix}k`)).toMatch(/^custom:\{/)
      expect(await store.get('k')).toEqual(entry)
      expect(await store.getMany(['k', 'absent'])).toEqual([entry, undefined])
    }
  })

  it("types your serializer's failures and checks the shape of what it decodes", async () => {
    const failing = createRedisStore('redis', client, {
      keyPrefix: uniquePrefix('custom-fail'),
      serializer: {
        serialize: () => {
          throw new Error('cannot encode')
        },
        deserialize: () => ({ value: 1 }) as CacheEntry,
      },
    })
    const write = failing.set('k', entryOf(1), 60_000)
    await expect(write).rejects.toBeInstanceOf(CacheSerializationError)
    await expect(write).rejects.toMatchObject({ key: 'k', cause: { message: 'cannot encode' } })

    const prefix = uniquePrefix('custom-shape')
    await redis.set(`${prefix}k`, 'anything')
    const shapeless = createRedisStore('redis', client, {
      keyPrefix: prefix,
      serializer: { serialize: () => 'x', deserialize: () => ({ value: 1 }) as CacheEntry },
    })
    await expect(shapeless.get('k')).rejects.toThrow(/createdAt is not a finite number/)
    await expect(shapeless.getMany(['k'])).rejects.toBeInstanceOf(CacheSerializationError)
  })

  it('rejects set with CacheSerializationError for a BigInt, a cycle or undefined under JSON, writing nothing', async () => {
    const prefix = uniquePrefix('json-bad')
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    for (const value of [10n, cyclic(), { nested: [1n] }]) {
      const write = store.set('k', entryOf(value), 60_000)
      await expect(write).rejects.toBeInstanceOf(CacheSerializationError)
      await expect(write).rejects.toThrow(/useJsonMarshalling: false/)
    }
    await expect(store.set('k', entryOf(undefined), 60_000)).rejects.toBeInstanceOf(CacheSerializationError)
    expect(await redis.exists(`${prefix}k`)).toBe(0)
  })

  it('writes the items of a setMany it can serialise, and rejects naming the ones it cannot', async () => {
    const prefix = uniquePrefix('json-batch')
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    const batch = store.setMany([
      { key: 'good', entry: entryOf('fine'), ttlMs: 60_000 },
      { key: 'bad', entry: entryOf(1n), ttlMs: 60_000 },
      { key: 'also-good', entry: entryOf('fine too'), ttlMs: 60_000 },
    ])
    await expect(batch).rejects.toMatchObject({ name: 'CacheSerializationError', key: 'bad' })
    expect(await store.getMany(['good', 'bad', 'also-good'])).toEqual([
      expect.objectContaining({ value: 'fine' }),
      undefined,
      expect.objectContaining({ value: 'fine too' }),
    ])
    const twoBad = store.setMany([
      { key: 'x', entry: entryOf(1n), ttlMs: 60_000 },
      { key: 'y', entry: entryOf(cyclic()), ttlMs: 60_000 },
    ])
    await expect(twoBad).rejects.toBeInstanceOf(CacheSerializationError)
    await expect(twoBad).rejects.toThrow(/"x", "y"/)
  })

  it('keeps the other writes a TieredCache batches with one it cannot serialise', async () => {
    const prefix = uniquePrefix('swr-batch')
    const errors: unknown[] = []
    const cache = new TieredCache({
      stores: [createRedisStore('redis', client, { keyPrefix: prefix })],
      onError: (error) => errors.push(error),
      storeTimeout: '10s',
    })
    await cache.get('warm-up') // the engine learns the tier is asynchronous, and batches from then on
    await Promise.all([cache.set('good', 'fine'), cache.set('bad', 5n), cache.set('other', 'fine too')])
    expect(await cache.get('good')).toBe('fine')
    expect(await cache.get('other')).toBe('fine too')
    expect(await cache.get('bad')).toBeUndefined()
    expect(errors).toHaveLength(1)
    expect((errors[0] as CacheStoreError).cause).toBeInstanceOf(CacheSerializationError)
  })

  it('rejects set for what v8 cannot clone (a function), typed the same way', async () => {
    const store = createRedisStore('redis', client, {
      keyPrefix: uniquePrefix('v8-bad'),
      useJsonMarshalling: false,
    })
    await expect(store.set('k', entryOf({ run: () => 1 }), 60_000)).rejects.toBeInstanceOf(
      CacheSerializationError,
    )
  })

  it.each([
    ['a BigInt', () => 42n],
    ['a cycle', cyclic],
  ])('lets a TieredCache swr return %s it cannot store as JSON, and report why', async (_, make) => {
    const prefix = uniquePrefix('swr-unstorable')
    const errors: unknown[] = []
    const cache = new TieredCache({
      stores: [createRedisStore('redis', client, { keyPrefix: prefix })],
      onError: (error) => errors.push(error),
      storeTimeout: '10s',
    })
    const value = make()
    await expect(cache.swr({ queryKey: 'k', queryFn: async () => value })).resolves.toBe(value)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(CacheStoreError)
    expect((errors[0] as CacheStoreError).operation).toBe('set')
    expect((errors[0] as CacheStoreError).cause).toBeInstanceOf(CacheSerializationError)
    expect(cache.stats().storeErrors).toBe(1)
    expect(await redis.exists(`${prefix}k`)).toBe(0)
  })
})
