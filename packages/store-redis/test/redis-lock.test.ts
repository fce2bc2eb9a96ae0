// The Redis lock of a fleet, on a real redis-server and a real 3-master Cluster: one lease per key among concurrent
// takers, only the holder's token releases it, it lapses after its ttl, nothing is left behind, and a client that
// knows Redis is down fails at once.

import type { CacheLock } from '@tiered/core'
import { startRedisServer } from '@tiered/testing'
import calculateSlot from 'cluster-key-slot'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { createRedisLock } from '../src/index.js'
import { Clients, uniqueName, waitFor } from './support/fleet-clients.js'
import { type Cluster, isReady, ping, Redis, restartServer, type TestClient } from './support/redis.js'

const clients = new Clients()
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  clients.disconnectAll()
})

function lockOn(client: TestClient, keyPrefix: string): CacheLock {
  const lock = createRedisLock(client, { keyPrefix })
  cleanups.push(() => lock.close?.())
  return lock
}

/** Every key under `prefix` on every master. */
async function keysUnder(client: Redis | Cluster, prefix: string): Promise<string[]> {
  const masters = 'nodes' in client && client.isCluster ? client.nodes('master') : [client as Redis]
  return (await Promise.all(masters.map((node) => node.keys(`${prefix}*`)))).flat()
}

/** Four processes' worth of locks, each on a client of its own. */
async function fourLocks(connect: () => Promise<TestClient>, prefix: string): Promise<CacheLock[]> {
  return Promise.all(Array.from({ length: 4 }, async () => lockOn(await connect(), prefix)))
}

/** `perLock` concurrent acquires of `key` through each lock: the tokens they got. */
async function race(locks: CacheLock[], key: string, perLock: number): Promise<string[]> {
  const results = await Promise.all(
    locks.flatMap((lock) => Array.from({ length: perLock }, () => lock.acquire(key, 10_000))),
  )
  return results.filter((token) => token !== undefined)
}

describe('createRedisLock on one redis-server', () => {
  const connect = () => clients.client(inject('redisUrl'))

  it('gives the lease to exactly one of many concurrent acquires, and release frees it', async () => {
    const prefix = `${uniqueName('lock')}:`
    const locks = await fourLocks(connect, prefix)
    const tokens = await race(locks, 'user:1', 25)
    expect(tokens).toHaveLength(1)
    const [holder] = tokens as [string]
    expect(holder).toMatch(/^[\w-]{20,}$/)
    await locks[1]?.release('user:1', holder)
    const next = await locks[2]?.acquire('user:1', 10_000)
    expect(next).toEqual(expect.any(String))
    expect(next).not.toBe(holder)
    await locks[2]?.release('user:1', next as string)
    expect(await keysUnder(await clients.redis(inject('redisUrl')), prefix)).toEqual([])
  })

  it('keeps the lease when released with a token that is not the holder’s', async () => {
    const prefix = `${uniqueName('lock-wrong')}:`
    const client = await connect()
    const lock = lockOn(client, prefix)
    const token = await lock.acquire('job', 10_000)
    expect(token).toEqual(expect.any(String))
    await lock.release('job', 'not-the-token')
    expect(await lock.acquire('job', 10_000)).toBeUndefined()
    const observer = await clients.redis(inject('redisUrl'))
    expect(await observer.get(`${prefix}job`)).toBe(token)
    await lock.release('job', token as string)
    expect(await keysUnder(observer, prefix)).toEqual([])
  })

  it('lets the lease lapse after its ttl, and a late release does not free the next holder’s lease', async () => {
    const prefix = `${uniqueName('lock-ttl')}:`
    const lock = lockOn(await connect(), prefix)
    const ttlMs = 300
    const started = performance.now()
    const first = await lock.acquire('report', ttlMs)
    expect(first).toEqual(expect.any(String))
    expect(await lock.acquire('report', ttlMs)).toBeUndefined()
    let second: string | undefined
    await waitFor('the lease to lapse', async () => {
      second = await lock.acquire('report', 10_000)
      return second !== undefined
    })
    // Redis expires a PX key no earlier than its ttl (to the millisecond).
    expect(performance.now() - started).toBeGreaterThanOrEqual(ttlMs - 5)
    await lock.release('report', first as string)
    expect(await lock.acquire('report', 10_000)).toBeUndefined()
    await lock.release('report', second as string)
    expect(await lock.acquire('report', 10_000)).toEqual(expect.any(String))
  })

  it('refuses a client of neither library with a TypeError naming both', () => {
    for (const notAClient of [{}, null, 'redis://localhost', { set: () => {} }]) {
      expect(() => createRedisLock(notAClient as never)).toThrow(TypeError)
      expect(() => createRedisLock(notAClient as never)).toThrow(/ioredis Redis or Cluster.*node-redis/)
    }
  })

  it('rejects a bad key, ttl or token with a typed error', async () => {
    const lock = lockOn(await connect(), `${uniqueName('lock-input')}:`)
    for (const ttl of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      await expect(lock.acquire('k', ttl), String(ttl)).rejects.toBeInstanceOf(RangeError)
    }
    await expect(lock.acquire('k', '100' as never)).rejects.toBeInstanceOf(TypeError)
    await expect(lock.acquire(42 as never, 100)).rejects.toBeInstanceOf(TypeError)
    await expect(lock.release('k', '')).rejects.toBeInstanceOf(TypeError)
    await expect(lock.release('k', undefined as never)).rejects.toBeInstanceOf(TypeError)
    await expect(lock.release(undefined as never, 'token')).rejects.toBeInstanceOf(TypeError)
  })

  it('fails at once while the client knows Redis is down, and never closes the client', async () => {
    const server = await startRedisServer()
    cleanups.push(() => server.stop())
    const client = await clients.client(server.url)
    const prefix = `${uniqueName('lock-down')}:`
    const lock = createRedisLock(client, { keyPrefix: prefix })
    const token = await lock.acquire('k', 10_000)
    server.kill('SIGKILL')
    await waitFor('the client to see the server gone', () => !isReady(client))
    const started = performance.now()
    await expect(lock.acquire('k2', 10_000)).rejects.toThrow(/disconnected/)
    await expect(lock.release('k', token as string)).rejects.toThrow(/disconnected/)
    expect(performance.now() - started).toBeLessThan(250)

    await server.restart()
    await waitFor('the client to reconnect', () => isReady(client))
    // Nothing was queued: the acquire that failed never took the lease after the restart.
    expect(await (await clients.redis(server.url)).exists(`${prefix}k2`)).toBe(0)
    expect(await lock.acquire('k2', 10_000)).toEqual(expect.any(String))
    await lock.close?.()
    expect(await ping(client)).toBe('PONG')
  })

  it('an acquire in flight when the connection drops fails at the drop, as the store does', async () => {
    const server = await startRedisServer()
    cleanups.push(() => server.stop())
    // ioredis alone would hold the SET until it gave up reconnecting (20 tries of 200 ms here).
    const client = new Redis(server.url, { retryStrategy: () => 200 })
    client.on('error', () => {})
    cleanups.push(() => client.disconnect())
    await waitFor('the client to connect', () => client.status === 'ready')
    const lock = lockOn(client, `${uniqueName('lock-drop')}:`)
    server.kill('SIGSTOP')
    const started = performance.now()
    const acquiring = Promise.resolve(lock.acquire('k', 10_000)).then(
      () => 'answered',
      (error: unknown) => error,
    )
    await new Promise((resolve) => setTimeout(resolve, 50))
    server.kill('SIGKILL')
    expect(await acquiring).toMatchObject({ code: 'TIERED_REDIS_DISCONNECTED' })
    expect(performance.now() - started).toBeLessThan(1_000)
  })

  it('a lease whose SET the client sends again after reconnecting is released behind it, not held for its ttl', async () => {
    const server = await startRedisServer()
    cleanups.push(() => server.stop())
    // ioredis's defaults: a command unanswered at the drop is sent again once it reconnects.
    const client = new Redis(server.url, { retryStrategy: () => 20 })
    client.on('error', () => {})
    cleanups.push(() => client.disconnect())
    await waitFor('the client to connect', () => client.status === 'ready')
    const prefix = `${uniqueName('lock-resent')}:`
    const lock = lockOn(client, prefix)
    server.kill('SIGSTOP')
    const acquiring = Promise.resolve(lock.acquire('k', 60_000)).then(
      () => 'answered',
      (error: unknown) => error,
    )
    await new Promise((resolve) => setTimeout(resolve, 50))
    server.kill('SIGKILL')
    expect(await acquiring).toMatchObject({ code: 'TIERED_REDIS_DISCONNECTED' })
    await restartServer(server)
    await waitFor('the client to reconnect', () => client.status === 'ready')
    const admin = new Redis(server.url)
    cleanups.push(() => admin.disconnect())
    // Whatever the client sent again has run once a command sent after it answers.
    await client.ping()
    expect(await admin.keys(`${prefix}*`)).toEqual([])
    expect(await lock.acquire('k', 1_000)).toEqual(expect.any(String))
  })
})

describe('createRedisLock on a Redis Cluster', () => {
  it('leases keys in different slots, one holder each, and leaves no lease keys behind', async () => {
    const nodes = inject('redisClusterNodes')
    const cluster = await clients.cluster(nodes)
    const prefix = `${uniqueName('lock-cluster')}:`
    const keys = Array.from({ length: 12 }, (_, i) => `order:${i}`)
    const owners = new Set(keys.map((key) => cluster.slots[calculateSlot(`${prefix}${key}`)]?.[0]))
    expect(owners.size).toBe(3)

    const locks = await fourLocks(() => clients.clusterClient(nodes), prefix)
    const raced = await Promise.all(keys.map((key) => race(locks, key, 5)))
    for (const tokens of raced) expect(tokens).toHaveLength(1)
    expect((await keysUnder(cluster, prefix)).sort()).toEqual(keys.map((key) => `${prefix}${key}`).sort())

    const lock = lockOn(await clients.clusterClient(nodes), prefix)
    for (const [i, key] of keys.entries()) {
      await lock.release(key, 'wrong')
      expect(await lock.acquire(key, 10_000)).toBeUndefined()
      await lock.release(key, raced[i]?.[0] as string)
    }
    expect(await keysUnder(cluster, prefix)).toEqual([])
  })
})
