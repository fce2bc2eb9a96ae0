// Compression on Redis: what a compressed entry looks like on the wire and in Redis's memory, entries written with
// and without compression read by stores of either kind (a rolling deploy), and the same on a Cluster.

import * as zlib from 'node:zlib'
import { TieredCache } from '@tiered/core'
import { commandsUnder, createMapStore } from '@tiered/testing'
import calculateSlot from 'cluster-key-slot'
import { describe, expect, inject, it } from 'vitest'
import { createRedisStore } from '../src/index.js'
import { entryOf, uniquePrefix, useCluster, useRedis, watchCommands, watchNode } from './support/redis.js'

const hasZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function'
const HEADER = '\x00tz'
/** A 48 KB page of an API's list response: the same fields over and over. */
const page = Array.from({ length: 400 }, (_, i) => ({
  id: i,
  name: `user ${i}`,
  email: `user-${i}@example.com`,
  roles: ['reader', 'writer'],
  active: i % 3 !== 0,
}))

describe('compression on one redis-server', () => {
  const redis = useRedis()

  it.each([
    ['gzip', 1],
    ['brotli', 2],
  ] as const)(
    '%s: a large entry is stored marked and smaller in MEMORY USAGE, a small one plain',
    async (algorithm, id) => {
      const prefix = uniquePrefix(`compress-${algorithm}`)
      const plainStore = createRedisStore('redis', redis, { keyPrefix: `${prefix}plain:` })
      const store = createRedisStore('redis', redis, { keyPrefix: prefix, compression: algorithm })
      await plainStore.set('page', entryOf(page), 60_000)
      await store.set('page', entryOf(page), 60_000)
      await store.set('small', entryOf({ id: 1 }), 60_000)

      const raw = (await redis.getBuffer(`${prefix}page`)) as Buffer
      expect([...raw.subarray(0, 4)]).toEqual([0x00, 0x74, 0x7a, id])
      expect(await redis.get(`${prefix}small`)).toMatch(/^\{"value":\{"id":1\}/)
      const compressed = (await redis.call('MEMORY', 'USAGE', `${prefix}page`)) as number
      const plain = (await redis.call('MEMORY', 'USAGE', `${prefix}plain:page`)) as number
      expect(plain).toBeGreaterThan(40_000)
      expect(compressed).toBeLessThan(plain / 5)
      expect((await store.get('page'))?.value).toEqual(page)
      expect((await store.getMany(['page', 'small', 'none'])).map((entry) => entry?.value)).toEqual([
        page,
        { id: 1 },
        undefined,
      ])
    },
  )

  it('sends the compressed bytes in the SET and reads them back with one GET (MONITOR)', async () => {
    const prefix = uniquePrefix('compress-monitor')
    const store = createRedisStore('redis', redis, {
      keyPrefix: prefix,
      compression: { algorithm: 'gzip', minBytes: 500 },
    })
    const watch = await watchNode(redis)
    await store.set('page', entryOf(page), 60_000)
    await store.set('small', entryOf('tiny'), 60_000)
    await store.get('page')
    const commands = commandsUnder(await watch.stop(), prefix)
    expect(commands.map(([name, key]) => `${name} ${key?.slice(prefix.length)}`)).toEqual([
      'set page',
      'set small',
      'get page',
    ])
    const [pageSet, smallSet] = commands as [string[], string[]]
    expect(pageSet[2]?.startsWith(`${HEADER}\x01`)).toBe(true)
    expect(pageSet[2]?.length).toBeLessThan(JSON.stringify(page).length / 5)
    expect(smallSet[2]?.startsWith('{"value":"tiny"')).toBe(true)
  })

  it.each([
    ['JSON', true],
    ['v8', false],
  ] as const)(
    '%s: a store with compression reads entries written without it, and the other way round',
    async (_, useJsonMarshalling) => {
      const prefix = uniquePrefix('rolling')
      const before = createRedisStore('before', redis, { keyPrefix: prefix, useJsonMarshalling })
      const after = createRedisStore('after', redis, {
        keyPrefix: prefix,
        useJsonMarshalling,
        compression: { algorithm: 'brotli', minBytes: 1024 },
      })
      await before.set('old', entryOf(page), 60_000)
      await after.set('new', entryOf(page), 60_000)
      expect((await redis.getBuffer(`${prefix}old`))?.[0]).not.toBe(0)
      expect((await redis.getBuffer(`${prefix}new`))?.[0]).toBe(0)
      for (const store of [before, after]) {
        expect((await store.get('old'))?.value).toEqual(page)
        expect((await store.get('new'))?.value).toEqual(page)
        expect((await store.getMany(['old', 'new'])).map((entry) => entry?.value)).toEqual([page, page])
      }
    },
  )

  it('a fleet half on, half off compression: every process serves the other half’s entries without a load', async () => {
    const prefix = uniquePrefix('rolling-fleet')
    const errors: unknown[] = []
    const cacheOf = (compression?: 'gzip') =>
      new TieredCache({
        stores: [
          createMapStore('memory'),
          createRedisStore('redis', redis, { keyPrefix: prefix, compression }),
        ],
        defaultTtl: '1m',
        onError: (error) => errors.push(error),
      })
    const [off, on] = [cacheOf(), cacheOf('gzip')]
    let loads = 0
    const queryFn = async () => {
      loads++
      return page
    }
    await off.swr({ queryKey: 'written-plain', queryFn })
    await on.swr({ queryKey: 'written-compressed', queryFn })
    expect(loads).toBe(2)
    await expect(on.swr({ queryKey: 'written-plain', queryFn })).resolves.toEqual(page)
    await expect(off.swr({ queryKey: 'written-compressed', queryFn })).resolves.toEqual(page)
    expect(loads).toBe(2)
    expect(errors).toEqual([])
    await Promise.all([off.close(), on.close()])
  })

  it('turns corrupt compressed bytes into a miss reported as a serialization error', async () => {
    const prefix = uniquePrefix('compress-corrupt')
    const store = createRedisStore('redis', redis, { keyPrefix: prefix, compression: 'gzip' })
    await redis.set(`${prefix}bad`, Buffer.from(`${HEADER}\x01not gzip at all`, 'latin1'))
    await expect(store.get('bad')).rejects.toMatchObject({ code: 'TIERED_SERIALIZATION', key: 'bad' })
    const errors: unknown[] = []
    const cache = new TieredCache({ stores: [store], onError: (error) => errors.push(error) })
    await expect(cache.swr({ queryKey: 'bad', queryFn: async () => 'reloaded', ttl: '1m' })).resolves.toBe(
      'reloaded',
    )
    expect(errors).toContainEqual(
      expect.objectContaining({
        cause: expect.objectContaining({ code: 'TIERED_SERIALIZATION', key: 'bad' }),
      }),
    )
    expect((await store.get('bad'))?.value).toBe('reloaded')
    await cache.close()
  })

  it('refuses a compression it cannot use when the store is created', () => {
    expect(() => createRedisStore('r', redis, { compression: 'lz4' as never })).toThrow(TypeError)
    expect(() => createRedisStore('r', redis, { compression: { algorithm: 'gzip', level: 42 } })).toThrow(
      RangeError,
    )
    if (!hasZstd) {
      expect(() => createRedisStore('r', redis, { compression: 'zstd' })).toThrow(
        expect.objectContaining({ code: 'TIERED_COMPRESSION_UNAVAILABLE' }),
      )
    }
  })

  it.runIf(hasZstd)('zstd where node:zlib has it: marked with id 3 and read back', async () => {
    const prefix = uniquePrefix('compress-zstd')
    const store = createRedisStore('redis', redis, { keyPrefix: prefix, compression: 'zstd' })
    await store.set('page', entryOf(page), 60_000)
    expect((await redis.getBuffer(`${prefix}page`))?.subarray(0, 4)).toEqual(Buffer.from([0, 0x74, 0x7a, 3]))
    expect((await store.get('page'))?.value).toEqual(page)
  })
})

describe('compression on a Redis Cluster', () => {
  const cluster = useCluster()

  it('setMany and getMany across the three masters send compressed payloads, one command per slot (MONITOR)', async () => {
    const prefix = uniquePrefix('compress-cluster')
    const store = createRedisStore('redis', cluster, { keyPrefix: prefix, compression: 'brotli' })
    const plain = createRedisStore('plain', cluster, { keyPrefix: prefix })
    const keys = Array.from({ length: 12 }, (_, i) => `page:${i}`)
    const owners = new Set(keys.map((key) => cluster.slots[calculateSlot(`${prefix}${key}`)]?.[0]))
    expect(owners.size).toBe(3)
    const watches = await Promise.all(
      inject('redisClusterNodes').map(({ host, port }) => watchCommands(host, port)),
    )
    await store.setMany(keys.map((key) => ({ key, entry: entryOf(page), ttlMs: 60_000 })))
    const read = await store.getMany(keys)
    const commands = (await Promise.all(watches.map((watch) => watch.stop()))).flatMap((node) =>
      commandsUnder(node, prefix),
    )
    const sets = commands.filter(([name]) => name === 'set')
    expect(sets).toHaveLength(keys.length)
    for (const set of sets) expect(set[2]?.startsWith(`${HEADER}\x02`)).toBe(true)
    expect(
      commands
        .filter(([name]) => name === 'mget')
        .flatMap((mget) => mget.slice(1))
        .sort(),
    ).toEqual(keys.map((key) => `${prefix}${key}`).sort())
    expect(read.map((entry) => entry?.value)).toEqual(keys.map(() => page))
    // A store without compression on the same Cluster reads them too.
    expect((await plain.getMany(keys)).map((entry) => entry?.value)).toEqual(keys.map(() => page))
    await store.deleteMany(keys)
  })
})
