// What a Keyv tier does beyond the shared suite: falsy values through memory-over-Keyv, corrupt and refused
// values as reported misses, unencodable values that never cost the tier its circuit, namespaces and clear on
// Redis, the ttl Redis sees, a close that leaves the app's Keyv alone, and an outage that fails at once.

import { randomUUID } from 'node:crypto'
import KeyvRedis, { createClient } from '@keyv/redis'
import {
  type CacheEntry,
  type CacheEvents,
  CacheSerializationError,
  CacheStoreError,
  hasErrorCode,
  TieredCache,
} from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { type RedisServerHandle, sendRedisCommand, startRedisServer, watchCommands } from '@tiered/testing'
import { Keyv } from 'keyv'
import { Keyv as Keyv6, KeyvRedis as KeyvRedis6 } from 'keyv6'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { createKeyvStore, type KeyvStore } from '../src/index.js'
import { startTcpProxy } from './tcp-proxy.js'

/** An entry fresh for a minute from now, as the engine would write it. */
const entry = (value: unknown, now = Date.now()): CacheEntry => ({
  value,
  createdAt: now,
  freshUntil: now + 60_000,
  expiresAt: now + 60_000,
  graceUntil: now + 60_000,
})

const cleanups: (() => Promise<unknown>)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const freshNamespace = (): string => `keyv-store-${randomUUID().slice(0, 8)}`

/** A Keyv on its own @keyv/redis adapter (adapters must not be shared: Keyv sets its namespace on them). */
function redisKeyv(
  url: string,
  namespace: string | undefined,
): { keyv: Keyv<unknown>; adapter: KeyvRedis<unknown> } {
  const adapter = new KeyvRedis<unknown>(url)
  const keyv = new Keyv<unknown>(adapter, { namespace })
  return { keyv, adapter }
}

function redisStore(
  url: string,
  namespace = freshNamespace(),
): { store: KeyvStore; adapter: KeyvRedis<unknown> } {
  const { keyv, adapter } = redisKeyv(url, namespace)
  const store = createKeyvStore('keyv', keyv)
  // The store never disconnects the Keyv it was given: the test owns it.
  cleanups.push(() => keyv.disconnect())
  return { store, adapter }
}

async function rawClient(url: string) {
  const client = createClient({ url, socket: { reconnectStrategy: false } })
  // The failure tests break the server on purpose; this inspection client must not crash the run.
  client.on('error', () => {})
  await client.connect()
  cleanups.push(() => client.destroy() as unknown as Promise<void>)
  return client
}

/** Where @keyv/redis puts `key` of a Keyv on `namespace`: `<namespace>::<namespace>:<key>`. */
const redisKey = (namespace: string, key: string): string => `${namespace}::${namespace}:${key}`

/** The store's own error inside the CacheStoreError an error event carries. */
function causeOf(event: CacheEvents['error'] | undefined): unknown {
  return event?.error instanceof CacheStoreError ? event.error.cause : undefined
}

function recordErrors(cache: TieredCache): CacheEvents['error'][] {
  const errors: CacheEvents['error'][] = []
  cache.on('error', (event) => errors.push(event))
  return errors
}

describe('createKeyvStore', () => {
  it('refuses a missing name or something that is not a Keyv 5.6+', () => {
    expect(() => createKeyvStore('', new Keyv())).toThrow(TypeError)
    expect(() => createKeyvStore('keyv', {} as Keyv<unknown>)).toThrow(/Keyv instance from keyv 5.6/)
  })

  it('is shared unless told it is local; local must be a boolean', () => {
    expect(createKeyvStore('shared', new Keyv()).local).toBe(false)
    expect(createKeyvStore('private', new Keyv(), { local: true }).local).toBe(true)
    expect(() => createKeyvStore('bad', new Keyv(), { local: 'yes' as never })).toThrow(TypeError)
  })

  it('offers getMany only when the backend reads many keys at once', () => {
    expect(createKeyvStore('memory', new Keyv()).getMany).toBeUndefined()
    expect(redisStore(inject('redisUrl')).store.getMany).toBeTypeOf('function')
  })

  it('refuses a ttl that Keyv would keep forever or drop at once, and writes nothing', async () => {
    const store = createKeyvStore('keyv', new Keyv())
    for (const ttl of [0, -1, Number.NaN, Number.NEGATIVE_INFINITY]) {
      await expect(store.set('k', entry(ttl), ttl)).rejects.toThrow(RangeError)
    }
    await expect(
      store.setMany([
        { key: 'a', entry: entry('a'), ttlMs: 1_000 },
        { key: 'b', entry: entry('b'), ttlMs: 0 },
      ]),
    ).rejects.toThrow(RangeError)
    expect(await store.get('k')).toBeUndefined()
    expect(await store.get('a')).toBeUndefined()
  })
})

describe('on @keyv/redis', () => {
  it('passes the ttl to Redis in whole milliseconds', async () => {
    const url = inject('redisUrl')
    const namespace = freshNamespace()
    const { store } = redisStore(url, namespace)
    const raw = await rawClient(url)
    await store.set('minute', entry('v'), 60_000)
    await store.set('fraction', entry('v'), 1_500.2)
    const minute = await raw.pTTL(redisKey(namespace, 'minute'))
    expect(minute).toBeGreaterThan(50_000)
    expect(minute).toBeLessThanOrEqual(60_000)
    const fraction = await raw.pTTL(redisKey(namespace, 'fraction'))
    expect(fraction).toBeGreaterThan(0)
    expect(fraction).toBeLessThanOrEqual(1_501)
  })

  it('keeps falsy values through a TieredCache of memory over Keyv, and backfills memory with them', async () => {
    const url = inject('redisUrl')
    const { store } = redisStore(url)
    const falsy: readonly unknown[] = [0, '', false, null]
    const writer = new TieredCache({ stores: [createMemoryStore('memory'), store] })
    for (const [index, value] of falsy.entries()) await writer.set(`falsy:${index}`, value, { ttl: '1m' })

    // A second process: empty memory, the same Redis.
    const memory = createMemoryStore('memory')
    const reader = new TieredCache({ stores: [memory, store] })
    const queryFn = vi.fn(async () => 'loaded')
    for (const [index, value] of falsy.entries()) {
      expect(await reader.swr({ queryKey: `falsy:${index}`, queryFn })).toBe(value)
      expect(memory.get(`falsy:${index}`)?.value).toBe(value)
    }
    expect(queryFn).not.toHaveBeenCalled()
    expect(reader.stats().hits).toBe(falsy.length)
  })

  it.each([
    ['bytes that are not JSON', 'not json{'],
    ['JSON that is not a Keyv record', '42'],
    ['a record whose value has no timestamps', '{"value":{"value":1},"expires":null}'],
    [
      'a record whose timestamp is text',
      '{"value":{"value":1,"createdAt":"x","freshUntil":2,"expiresAt":3,"graceUntil":4}}',
    ],
  ])('treats %s as a miss and reports it as a CacheSerializationError', async (_, bytes) => {
    const url = inject('redisUrl')
    const namespace = freshNamespace()
    const { store } = redisStore(url, namespace)
    const raw = await rawClient(url)
    await raw.set(redisKey(namespace, 'corrupt'), bytes)
    await expect(store.get('corrupt')).rejects.toBeInstanceOf(CacheSerializationError)

    const cache = new TieredCache({ stores: [createMemoryStore('memory'), store] })
    const errors = recordErrors(cache)
    expect(await cache.get('corrupt')).toBeUndefined()
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ tier: 'keyv', operation: 'get', key: 'corrupt' })
    expect(causeOf(errors[0])).toBeInstanceOf(CacheSerializationError)
    expect(cache.stats().storeErrors).toBe(1)

    // A load replaces the bad bytes (the engine does not wait for a write to a tier that just failed).
    expect(await cache.swr({ queryKey: 'corrupt', queryFn: async () => 'fixed' })).toBe('fixed')
    await expect.poll(async () => (await store.get('corrupt'))?.value, { timeout: 5_000 }).toBe('fixed')
  })

  it.each([
    ['bytes that are not JSON', 'not json{'],
    ['a record whose value has no timestamps', '{"value":{"value":1},"expires":null}'],
  ])('keyv 6: treats %s as a miss reported as a CacheSerializationError', async (_, bytes) => {
    const url = inject('redisUrl')
    const namespace = freshNamespace()
    const keyv = new Keyv6(new KeyvRedis6(url), { namespace })
    cleanups.push(() => keyv.disconnect())
    const store = createKeyvStore('keyv', keyv)
    const raw = await rawClient(url)
    // Where keyv 6 and @keyv/redis 6 keep the key: found rather than assumed.
    await store.set('corrupt', entry('v'), 60_000)
    const [stored] = await raw.keys(`${namespace}*corrupt`)
    expect(stored).toBeDefined()
    await raw.set(stored as string, bytes)
    const failure = await store.get('corrupt').then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(hasErrorCode(failure, 'TIERED_SERIALIZATION')).toBe(true)
    await expect(store.getMany?.(['corrupt'])).rejects.toSatisfy((error) =>
      hasErrorCode(error, 'TIERED_SERIALIZATION'),
    )
  })

  it('rejects a getMany with one corrupt key, so that the engine reads the keys one by one', async () => {
    const url = inject('redisUrl')
    const namespace = freshNamespace()
    const { store } = redisStore(url, namespace)
    const raw = await rawClient(url)
    await store.set('good', entry('good'), 60_000)
    await raw.set(redisKey(namespace, 'bad'), 'not json{')
    await expect(store.getMany?.(['good', 'bad'])).rejects.toBeInstanceOf(CacheSerializationError)
    await raw.set(redisKey(namespace, 'bad'), '{"value":"not an entry"}')
    await expect(store.getMany?.(['good', 'bad'])).rejects.toBeInstanceOf(CacheSerializationError)

    const getMany = vi.spyOn(store as Required<KeyvStore>, 'getMany')
    const cache = new TieredCache({ stores: [store] })
    const errors = recordErrors(cache)
    await cache.get('warm-up')
    // The first read goes straight out; the two that arrive while it is out share one getMany.
    expect(await Promise.all([cache.get('first'), cache.get('good'), cache.get('bad')])).toEqual([
      undefined,
      'good',
      undefined,
    ])
    expect(getMany).toHaveBeenCalledWith(['good', 'bad'])
    expect(errors.map((event) => event.key)).toEqual(['bad'])
  })

  it("keeps every key under '<namespace>::', so clear removes this store's keys and no one else's", async () => {
    const url = inject('redisUrl')
    const [ours, theirs] = [freshNamespace(), freshNamespace()]
    const { store } = redisStore(url, ours)
    const { store: neighbour } = redisStore(url, theirs)
    const raw = await rawClient(url)
    await store.set('k', entry('ours'), 60_000)
    await store.set(`${ours}:k`, entry('ours, namespace-like key'), 60_000)
    await neighbour.set('k', entry('theirs'), 60_000)
    const foreign = [`${ours}:k`, `${ours}-app:k`, 'plain-key-of-another-app']
    for (const key of foreign) await raw.set(key, 'not ours')

    const written = await raw.keys(`${ours}*`)
    expect(written.filter((key) => !foreign.includes(key)).every((key) => key.startsWith(`${ours}::`))).toBe(
      true,
    )
    expect(written).toHaveLength(2 + 2)

    await store.clear()
    expect(await store.get('k')).toBeUndefined()
    expect(await store.get(`${ours}:k`)).toBeUndefined()
    expect((await neighbour.get('k'))?.value).toBe('theirs')
    for (const key of foreign) expect(await raw.get(key)).toBe('not ours')
  })

  it('refuses to clear a Keyv without a namespace, which would remove keys that are not its own', async () => {
    const url = inject('redisUrl')
    const { keyv } = redisKeyv(url, undefined)
    const store = createKeyvStore('keyv', keyv)
    cleanups.push(() => keyv.disconnect())
    const raw = await rawClient(url)
    const foreign = `plain-key-${randomUUID()}`
    await raw.set(foreign, 'not ours')
    await store.set(foreign.replace('plain', 'cached'), entry('v'), 60_000)

    await expect(store.clear()).rejects.toThrow(/no namespace/)
    const cache = new TieredCache({ stores: [createMemoryStore('memory'), store] })
    await expect(cache.clear()).rejects.toBeInstanceOf(AggregateError)
    expect(await raw.get(foreign)).toBe('not ours')
  })

  it('never disconnects the Keyv it was given, through store.close or TieredCache.close', async () => {
    const url = inject('redisUrl')
    const { keyv, adapter } = redisKeyv(url, freshNamespace())
    cleanups.push(() => keyv.disconnect())
    const store = createKeyvStore('keyv', keyv)
    await store.set('k', entry('v'), 60_000)
    await store.close()
    await store.close()
    expect(adapter.client.isOpen).toBe(true)
    expect((await store.get('k'))?.value).toBe('v')

    const cache = new TieredCache({ stores: [createKeyvStore('keyv', keyv)] })
    await cache.set('k2', 'v2')
    await cache.close()
    expect(adapter.client.isOpen).toBe(true)
    // The app goes on using its Keyv after the cache is gone.
    expect(await keyv.set('app-key', 'app-value')).toBe(true)
    expect(await keyv.get('app-key')).toBe('app-value')
  })
})

describe('keyv 6 errors, which Keyv only emits', () => {
  /** A keyv 6 storage backend whose reads of `app:*` keys fail, and whose other reads take a while. */
  function slowBackendFailingAppKeys() {
    const map = new Map<string, unknown>()
    return {
      async get(key: string) {
        if (key.includes('app:')) throw new Error('the backend refused the app key')
        await new Promise((resolve) => setTimeout(resolve, 50))
        return map.get(key)
      },
      async set(key: string, value: unknown) {
        map.set(key, value)
        return true
      },
      async delete(key: string) {
        return map.delete(key)
      },
      async clear() {
        map.clear()
      },
    }
  }

  it("makes the store's own call reject, and leaves the app's calls failing as keyv 6 fails them", async () => {
    const keyv = new Keyv6({ store: slowBackendFailingAppKeys() })
    const store = createKeyvStore('keyv', keyv)
    // The store's failing read rejects with the backend's error, though Keyv only emitted it.
    await expect(store.get('app:ours')).rejects.toThrow(/refused the app key/)
    // While a store call is in flight the store listens on the Keyv; the app, with no listener of its own,
    // still gets keyv 6's throw for its own failing call, and the store's call is not blamed for it.
    const ours = store.get('slow')
    await expect(keyv.get('app:theirs')).rejects.toThrow(/refused the app key/)
    await expect(ours).resolves.toBeUndefined()
    expect(keyv.listeners('error')).toHaveLength(0)
    // With a listener of the app's, keyv 6 answers the app's call with undefined and the app hears the error.
    const heard: unknown[] = []
    keyv.on('error', (error: unknown) => heard.push(error))
    const second = store.get('slow')
    expect(await keyv.get('app:theirs')).toBeUndefined()
    await expect(second).resolves.toBeUndefined()
    expect(heard).toHaveLength(1)
  })
})

describe('a value Keyv cannot encode', () => {
  /** A Keyv 5 on Redis and a Keyv 6 on Redis, each with a value its JSON serializer refuses. */
  const majors = [
    ['keyv 5', () => redisStore(inject('redisUrl')).store, () => ({ n: 1n })],
    [
      'keyv 6',
      () => {
        const keyv = new Keyv6(new KeyvRedis6(inject('redisUrl')), { namespace: freshNamespace() })
        cleanups.push(() => keyv.disconnect())
        return createKeyvStore('keyv', keyv)
      },
      () => {
        const cycle: { self?: unknown } = {}
        cycle.self = cycle
        return cycle
      },
    ],
  ] as const

  it.each(majors)(
    '%s: setMany writes every other item once and names the one left out',
    async (_, makeStore, bad) => {
      const store = makeStore()
      await store.set('warm-up', entry('connects first'), 60_000)
      const { port } = new URL(inject('redisUrl'))
      const watch = await watchCommands('127.0.0.1', Number(port))
      const failure = await store
        .setMany([
          { key: 'good', entry: entry('good'), ttlMs: 60_000 },
          { key: 'bad', entry: entry(bad()), ttlMs: 60_000 },
          { key: 'good2', entry: entry('good2'), ttlMs: 60_000 },
        ])
        .then(
          () => undefined,
          (error: unknown) => error,
        )
      const commands = await watch.stop()
      expect(hasErrorCode(failure, 'TIERED_SERIALIZATION')).toBe(true)
      expect((failure as CacheSerializationError).keys).toEqual(['bad'])
      expect((await store.get('good'))?.value).toBe('good')
      expect((await store.get('good2'))?.value).toBe('good2')
      expect(await store.get('bad')).toBeUndefined()
      // Once each: one SET per good key, none for the bad one.
      const sets = commands.filter((command) => command[0] === 'set').map((command) => String(command[1]))
      expect(sets.filter((key) => key.endsWith(':good'))).toHaveLength(1)
      expect(sets.filter((key) => key.endsWith(':good2'))).toHaveLength(1)
      expect(sets.filter((key) => key.endsWith(':bad'))).toHaveLength(0)
    },
  )

  it.each(majors)(
    '%s: set rejects with CacheSerializationError and writes nothing',
    async (_, makeStore, bad) => {
      const store = makeStore()
      const failure = await store.set('bad', entry(bad()), 60_000).then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(hasErrorCode(failure, 'TIERED_SERIALIZATION')).toBe(true)
      expect((failure as CacheSerializationError).key).toBe('bad')
      expect(await store.get('bad')).toBeUndefined()
    },
  )

  it("is reported under its own key and never opens the tier's circuit; the good writes of its tick land", async () => {
    const store = redisStore(inject('redisUrl')).store
    const cache = new TieredCache({ stores: [createMemoryStore('memory'), store] })
    const errors = recordErrors(cache)
    const opened: unknown[] = []
    cache.on('circuit-open', (event) => opened.push(event))
    // Six loads of a BigInt: more than the circuit's failure threshold.
    for (let load = 0; load < 6; load++) {
      await cache.swr({ queryKey: `big:${load}`, queryFn: async () => ({ n: BigInt(load) }) })
    }
    // One tick: good, bad and good2 share one batch.
    await Promise.all([cache.set('good', 'g'), cache.set('bad', { n: 1n }), cache.set('good2', 'g2')])
    expect(opened).toEqual([])
    expect(errors.length).toBeGreaterThanOrEqual(7)
    for (const event of errors) expect(hasErrorCode(causeOf(event), 'TIERED_SERIALIZATION')).toBe(true)
    expect(errors.map((event) => event.key)).toContain('bad')
    expect(errors.map((event) => event.key)).not.toContain(undefined)
    expect((await store.get('good'))?.value).toBe('g')
    expect((await store.get('good2'))?.value).toBe('g2')
    // The tier is healthy: a delete goes through.
    await expect(cache.delete('good')).resolves.toBeUndefined()
    expect(await store.get('good')).toBeUndefined()
  })
})

describe('a failing backend', () => {
  // A private server whose permissions the tests take away, so that Redis itself refuses commands.
  let server: RedisServerHandle

  beforeAll(async () => {
    server = await startRedisServer()
  })

  afterEach(async () => {
    await sendRedisCommand(server.port, ['ACL', 'SETUSER', 'default', '+@all'])
  })

  afterAll(async () => {
    await server?.stop()
  })

  const refuse = (command: string) =>
    sendRedisCommand(server.port, ['ACL', 'SETUSER', 'default', `-${command}`])

  function failingCache(): {
    cache: TieredCache
    errors: CacheEvents['error'][]
    store: KeyvStore
    keyvErrors: unknown[]
  } {
    const { store } = redisStore(server.url)
    const keyvErrors: unknown[] = []
    // The app's own listener on the Keyv still hears every failure.
    store.keyv.on('error', (error: unknown) => keyvErrors.push(error))
    const cache = new TieredCache({ stores: [createMemoryStore('memory'), store], circuitBreaker: false })
    return { cache, errors: recordErrors(cache), store, keyvErrors }
  }

  it('turns a refused read into a reported miss; the load still answers and is written', async () => {
    const { cache, errors, store } = failingCache()
    await store.set('warm-up', entry('connects first'), 60_000)
    await refuse('get')
    expect(await cache.swr({ queryKey: 'k', queryFn: async () => 'loaded' })).toBe('loaded')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ tier: 'keyv', operation: 'get', key: 'k' })
    expect(String(causeOf(errors[0]))).toMatch(/NOPERM/)
    expect(cache.stats().storeErrors).toBe(1)
    await sendRedisCommand(server.port, ['ACL', 'SETUSER', 'default', '+@all'])
    await expect.poll(async () => (await store.get('k'))?.value, { timeout: 5_000 }).toBe('loaded')
  })

  it('reports a refused write and resolves the set; the app still hears it on the Keyv', async () => {
    const { cache, errors, store, keyvErrors } = failingCache()
    await store.set('warm-up', entry('connects first'), 60_000)
    await refuse('set')
    await expect(cache.set('k', 'v')).resolves.toBeUndefined()
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ tier: 'keyv', operation: 'set', key: 'k' })
    expect(cache.stats().storeErrors).toBe(1)
    // Keyv forwards the adapter's error and emits its own: the app hears the failure (twice, Keyv's doing).
    expect(keyvErrors.length).toBeGreaterThan(0)
    for (const error of keyvErrors) expect(String(error)).toMatch(/NOPERM/)
  })

  it('makes cache.delete reject when the backend refuses the delete', async () => {
    const { cache, errors, store } = failingCache()
    await cache.set('k', 'v')
    await refuse('unlink')
    await expect(cache.delete('k')).rejects.toBeInstanceOf(AggregateError)
    expect(errors[0]).toMatchObject({ tier: 'keyv', operation: 'delete', key: 'k' })
    await sendRedisCommand(server.port, ['ACL', 'SETUSER', 'default', '+@all'])
    expect((await store.get('k'))?.value).toBe('v')
  })

  it('makes cache.clear reject when the backend refuses the clear, which @keyv/redis only emits', async () => {
    const { cache, errors, store } = failingCache()
    await cache.set('k', 'v')
    await refuse('scan')
    await expect(store.clear()).rejects.toThrow(/NOPERM/)
    await expect(cache.clear()).rejects.toBeInstanceOf(AggregateError)
    expect(errors.at(-1)).toMatchObject({ tier: 'keyv', operation: 'clear' })
    // The store listened only for the length of its clear: the app's listener is the one left.
    expect(store.keyv.listeners('error')).toHaveLength(1)
  })
})

describe('a lost connection', () => {
  /** A real server behind a proxy that can cut the connection while keeping its port. */
  async function behindProxy() {
    const server = await startRedisServer()
    const proxy = await startTcpProxy(server.port)
    cleanups.push(async () => {
      await proxy.close()
      await server.stop()
    })
    return proxy
  }

  const majors = [
    [
      'keyv 5',
      (url: string) => new Keyv<unknown>(new KeyvRedis<unknown>(url), { namespace: freshNamespace() }),
    ],
    ['keyv 6', (url: string) => new Keyv6(new KeyvRedis6(url), { namespace: freshNamespace() })],
  ] as const

  it.each(majors)(
    '%s: fails at once while the client knows it is disconnected, queues nothing, and is written again once Redis is back',
    async (_, makeKeyv) => {
      const proxy = await behindProxy()
      const keyv = makeKeyv(proxy.url)
      // node-redis reports each failed reconnect as an error; the app's listener hears them.
      keyv.on('error', () => {})
      const store = createKeyvStore('keyv', keyv)
      const client = (keyv.store as { client: { isReady: boolean; isOpen: boolean; destroy(): void } }).client
      // destroy, not keyv.disconnect(): a graceful QUIT would wait for a connection that may be cut.
      cleanups.push(async () => client.destroy())
      // A storeTimeout far above the bound below: an answer within it cannot come from the timeout.
      const cache = new TieredCache({ stores: [store], storeTimeout: '10s', circuitBreaker: false })
      const errors = recordErrors(cache)
      await cache.set('before', 'v')

      proxy.cut()
      await expect.poll(() => client.isReady, { timeout: 5_000, interval: 20 }).toBe(false)
      expect(client.isOpen).toBe(true)
      const start = performance.now()
      expect(await cache.swr({ queryKey: 'k', queryFn: async () => 'loaded' })).toBe('loaded')
      await cache.set('during', 'reported as failed')
      expect(performance.now() - start).toBeLessThan(2_000)
      // The read, the load's write and the set: each reported, none waiting for the connection.
      expect(errors.map((event) => `${event.operation} ${event.key}`).sort()).toEqual([
        'get k',
        'set during',
        'set k',
      ])
      expect(String(causeOf(errors[0]))).toMatch(/reconnecting/)

      proxy.restore()
      // Recovery is proven by a write made after Redis is back, never by a queued one replayed.
      await expect
        .poll(
          async () => {
            await cache.set('after', 'written after the outage')
            return (await store.get('after').catch(() => undefined))?.value
          },
          { timeout: 15_000, interval: 200 },
        )
        .toBe('written after the outage')
      // Nothing reported as failed took effect later.
      expect(await store.get('during')).toBeUndefined()
      expect(await store.get('k')).toBeUndefined()
      expect((await store.get('before'))?.value).toBe('v')
    },
    40_000,
  )
})
