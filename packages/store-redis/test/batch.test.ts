// getMany, setMany and deleteMany: one MGET / pipeline / UNLINK on a single node, one per hash slot on a Cluster,
// proved by watching the real servers with MONITOR.

import { type CacheEvents, TieredCache } from '@tiered/core'
import { commandsUnder } from '@tiered/testing'
import calculateSlot from 'cluster-key-slot'
import { describe, expect, inject, it } from 'vitest'
import { createRedisStore } from '../src/index.js'
import {
  entryOf,
  type TestClient,
  uniquePrefix,
  useClient,
  useCluster,
  useClusterClient,
  useRedis,
  watchCommands,
  watchNode,
  withoutScripts,
} from './support/redis.js'

describe('batch methods on a single node', () => {
  const redis = useRedis()
  const client = useClient()

  it('reads N keys with one MGET, in input order, misses as undefined', async () => {
    const prefix = uniquePrefix('mget')
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`)
    for (const [i, key] of keys.entries()) if (i % 5 !== 0) await store.set(key, entryOf(i), 60_000)
    const watch = await watchNode(redis)
    const entries = await store.getMany(keys)
    const commands = commandsUnder(await watch.stop(), prefix)
    expect(commands).toHaveLength(1)
    expect(commands[0]).toEqual(['mget', ...keys.map((key) => `${prefix}${key}`)])
    expect(entries.map((entry) => entry?.value)).toEqual(keys.map((_, i) => (i % 5 === 0 ? undefined : i)))
  })

  it('writes with one script command (its SETs run inside it) and deletes with one UNLINK', async () => {
    const prefix = uniquePrefix('pipeline')
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    const items = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, entry: entryOf(i), ttlMs: 60_000 }))
    const watch = await watchNode(redis)
    await store.setMany(items)
    await store.deleteMany(items.map(({ key }) => key))
    const commands = commandsUnder(await watch.stop(), prefix)
    const sent = commands.filter(([name]) => name !== 'set').map(([name]) => name)
    // EVALSHA, plus EVAL when this server had not loaded the script yet.
    expect(['evalsha,unlink', 'evalsha,eval,unlink']).toContain(sent.join(','))
    const sets = commands.filter(([name]) => name === 'set')
    expect(sets).toEqual(
      items.map(({ key }) => ['set', `${prefix}${key}`, expect.any(String), 'PX', '60000']),
    )
    expect(commands.at(-1)).toEqual(['unlink', ...items.map(({ key }) => `${prefix}${key}`)])
    expect(await redis.exists(...items.map(({ key }) => `${prefix}${key}`))).toBe(0)
  })

  it('writes with one pipeline of SETs where the server refuses scripts', async () => {
    await withoutScripts(redis, async (limited) => {
      const { host, port } = redis.options
      const prefix = uniquePrefix('no-scripts')
      const store = createRedisStore('redis', limited, { keyPrefix: prefix })
      const items = Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, entry: entryOf(i), ttlMs: 60_000 }))
      await store.setMany(items)
      await store.setMany(items)
      const watch = await watchCommands(host as string, port as number)
      await store.setMany(items)
      const commands = commandsUnder(await watch.stop(), prefix)
      // Once refused, the store stops asking: the third batch is plain SETs.
      expect(commands.map(([name]) => name)).toEqual(items.map(() => 'set'))
      expect(await store.getMany(items.map(({ key }) => key))).toEqual(items.map(({ entry }) => entry))
    })
  })

  it.each([
    ['one script', false],
    ['a pipeline, where scripts are refused', true],
  ])(
    'writes each item it can encode once with %s, the unencodable ones never, and names those in keys',
    async (_, refuseScripts) => {
      const run = async (client: TestClient) => {
        // A random prefix can itself contain "bad-" (a UUID group ending in "bad", once in about a thousand runs):
        // this one always does, so that the check below must name the bad keys in full.
        const prefix = uniquePrefix('once-bad-')
        const store = createRedisStore('redis', client, { keyPrefix: prefix })
        // The pipeline path learns that scripts are refused on its first batch; teach it before watching.
        if (refuseScripts)
          await store.setMany([
            { key: 'a', entry: entryOf(0), ttlMs: 60_000 },
            { key: 'b', entry: entryOf(0), ttlMs: 60_000 },
          ])
        const items = [
          { key: 'good-1', entry: entryOf('one'), ttlMs: 60_000 },
          { key: 'bad-1', entry: entryOf(1n), ttlMs: 60_000 },
          { key: 'good-2', entry: entryOf('two'), ttlMs: 60_000 },
          { key: 'bad-2', entry: entryOf({ nested: [2n] }), ttlMs: 60_000 },
          { key: 'good-3', entry: entryOf('three'), ttlMs: 60_000 },
        ]
        const watch = await watchNode(redis)
        const outcome = await store.setMany(items).then(
          () => undefined,
          (error: unknown) => error,
        )
        const commands = commandsUnder(await watch.stop(), prefix)
        expect(outcome).toMatchObject({ code: 'TIERED_SERIALIZATION', keys: ['bad-1', 'bad-2'] })
        // Every SET that reached Redis, run by the script or sent alone: each good key exactly once, no bad key.
        const written = commands.filter(([name]) => name === 'set').map(([, key]) => key)
        expect(written.sort()).toEqual(['good-1', 'good-2', 'good-3'].map((key) => `${prefix}${key}`))
        const sent = commands.filter(([name]) => name !== 'set').map(([name]) => name)
        expect(sent).toEqual(refuseScripts ? [] : expect.arrayContaining(['evalsha']))
        expect(commands.flat().some((arg) => arg.includes(`${prefix}bad-`))).toBe(false)
        expect((await store.getMany(items.map(({ key }) => key))).map((entry) => entry?.value)).toEqual([
          'one',
          undefined,
          'two',
          undefined,
          'three',
        ])
      }
      if (refuseScripts) await withoutScripts(redis, run)
      else await run(client)
    },
  )

  it('through a TieredCache, writes each storable value of a batch once, never the unstorable one, and reports it', async () => {
    const prefix = uniquePrefix('cache-once')
    const errors: CacheEvents['error'][] = []
    const cache = new TieredCache({
      stores: [createRedisStore('redis', client, { keyPrefix: prefix })],
      onError: (_, event) => errors.push(event),
      storeTimeout: '10s',
    })
    await cache.get('warm-up') // the engine learns the tier is asynchronous, and batches writes from then on
    const watch = await watchNode(redis)
    // One write goes out alone; the three made while it is out are one setMany.
    await Promise.all([
      cache.set('first', 0),
      cache.set('good', 'fine'),
      cache.set('bad', 5n),
      cache.set('other', 'fine too'),
    ])
    const commands = commandsUnder(await watch.stop(), prefix)
    const written = commands.filter(([name]) => name === 'set').map(([, key]) => key)
    expect(written.sort()).toEqual(['first', 'good', 'other'].map((key) => `${prefix}${key}`))
    expect(commands.some(([name]) => name === 'evalsha')).toBe(true)
    expect(commands.flat().some((arg) => arg.endsWith(`${prefix}bad`))).toBe(false)
    expect(errors.map((event) => [event.operation, event.key])).toEqual([['set', 'bad']])
    expect(await cache.get('good')).toBe('fine')
    await cache.close()
  })

  it('sends nothing for empty batches', async () => {
    const store = createRedisStore('redis', client, { keyPrefix: uniquePrefix('empty') })
    await expect(store.getMany([])).resolves.toEqual([])
    await expect(store.setMany([])).resolves.toBeUndefined()
    await expect(store.deleteMany([])).resolves.toBeUndefined()
  })
})

describe('batch methods on a Redis Cluster', () => {
  const cluster = useCluster()
  const clusterClient = useClusterClient()

  /** Which master (host:port) holds `key`'s slot. */
  function ownerOf(key: string): string {
    const [owner] = (cluster.slots[calculateSlot(key)] ?? []) as string[]
    return owner as string
  }

  it('reads keys spread over all three masters, slot by slot, in input order', async () => {
    const prefix = uniquePrefix('cluster-mget')
    const store = createRedisStore('redis', clusterClient, { keyPrefix: prefix })
    // 60 plain keys land on every master; six keys sharing a hash tag share one slot.
    const keys = [
      ...Array.from({ length: 60 }, (_, i) => `k${i}`),
      ...Array.from({ length: 6 }, (_, i) => `{tagged}:${i}`),
    ]
    expect(new Set(keys.map((key) => ownerOf(`${prefix}${key}`))).size).toBe(3)
    await store.setMany(
      keys.filter((_, i) => i % 3 !== 0).map((key) => ({ key, entry: entryOf(key), ttlMs: 60_000 })),
    )

    const watches = await Promise.all(
      inject('redisClusterNodes').map(({ host, port }) => watchCommands(host, port)),
    )
    const entries = await store.getMany(keys)
    const commands = (await Promise.all(watches.map((watch) => watch.stop()))).flatMap((seen) =>
      commandsUnder(seen, prefix),
    )

    expect(entries.map((entry) => entry?.value)).toEqual(
      keys.map((key, i) => (i % 3 === 0 ? undefined : key)),
    )
    expect(commands.every(([name]) => name === 'mget')).toBe(true)
    const slots = new Set(keys.map((key) => calculateSlot(`${prefix}${key}`)))
    expect(commands).toHaveLength(slots.size)
    for (const [, ...slotKeys] of commands) {
      expect(new Set(slotKeys.map((key) => calculateSlot(key))).size).toBe(1)
    }
    const tagged = commands.find((command) => command[1]?.includes('{tagged}'))
    expect(tagged).toHaveLength(1 + 6)
  })

  it('writes and deletes across slots, each key landing on the master that owns it', async () => {
    const prefix = uniquePrefix('cluster-write')
    const store = createRedisStore('redis', clusterClient, { keyPrefix: prefix })
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`)
    await store.setMany(keys.map((key) => ({ key, entry: entryOf(key), ttlMs: 60_000 })))
    for (const key of keys) expect(await cluster.exists(`${prefix}${key}`)).toBe(1)
    await store.deleteMany(keys)
    for (const key of keys) expect(await cluster.exists(`${prefix}${key}`)).toBe(0)
  })
})
