// DESIGN "Fleet", rule 7: a Redis store that shares its client with the Redis lock ends a lease with the value's
// write, in one script on a real redis-server; only while the lease still holds the caller's token. Elsewhere
// (another client, another lock, a Cluster) it only writes and says so, and the cache releases through the lock.

import type { CacheLock } from '@tiered/core'
import { commandsUnder, watchCommands } from '@tiered/testing'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createRedisLock, createRedisStore } from '../src/index.js'
import {
  clientOf,
  disconnect,
  entryOf,
  observerOf,
  ownServer,
  Redis,
  ready,
  uniquePrefix,
  useCluster,
  useRedis,
} from './support/redis.js'

describe('setAndRelease on one redis-server', () => {
  const redis = useRedis()

  it('writes the value and deletes the lease in one EVAL', async () => {
    // A server of the test's own: MONITOR on the shared one would see every other test's traffic.
    const server = await ownServer()
    // The store and the lock on the client under test; the checks through an ioredis observer.
    const client = clientOf(server)
    const redis = observerOf(server)
    onTestFinished(() => {
      disconnect(client)
      redis.disconnect()
    })
    await ready(client)
    const prefix = uniquePrefix('set-release')
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    const lock = createRedisLock(client, { keyPrefix: `${prefix}lock:` })
    const token = (await lock.acquire('k', 10_000)) as string
    expect(typeof token).toBe('string')
    const url = new URL(server.url)
    const watch = await watchCommands(url.hostname, Number(url.port))
    expect(await store.setAndRelease?.('k', entryOf('v'), 60_000, { lock, key: 'k', token })).toBe(true)
    const commands = commandsUnder(await watch.stop(), prefix)
    // One command from the client names both keys; MONITOR also lists what the script ran inside it.
    const evals = commands.filter(([name]) => name === 'eval')
    expect(evals).toHaveLength(1)
    expect(evals[0]).toEqual(expect.arrayContaining([`${prefix}k`, `${prefix}lock:k`]))
    expect(commands.map(([name]) => name).sort()).toEqual(['del', 'eval', 'get', 'set'])
    expect((await store.get('k'))?.value).toBe('v')
    expect(await redis.pttl(`${prefix}k`)).toBeGreaterThan(59_000)
    expect(await redis.exists(`${prefix}lock:k`)).toBe(0)
  })

  it('leaves a lease another holder took since (the token no longer holds), and still writes', async () => {
    const prefix = uniquePrefix('set-release-lapsed')
    const store = createRedisStore('redis', redis, { keyPrefix: prefix })
    const lock = createRedisLock(redis, { keyPrefix: `${prefix}lock:` })
    await redis.set(`${prefix}lock:k`, 'someone-else', 'PX', 10_000)
    expect(await store.setAndRelease?.('k', entryOf('v'), 60_000, { lock, key: 'k', token: 'mine' })).toBe(
      true,
    )
    expect((await store.get('k'))?.value).toBe('v')
    expect(await redis.get(`${prefix}lock:k`)).toBe('someone-else')
  })

  it('with a lock on another client, or not a Redis lock, only writes and gives false', async () => {
    const prefix = uniquePrefix('set-release-other')
    const { host, port } = redis.options
    const other = new Redis({ host, port })
    onTestFinished(() => other.disconnect())
    const store = createRedisStore('redis', redis, { keyPrefix: prefix })
    const elsewhere = createRedisLock(other, { keyPrefix: `${prefix}lock:` })
    const token = (await elsewhere.acquire('k', 10_000)) as string
    expect(await store.setAndRelease?.('k', entryOf('v'), 60_000, { lock: elsewhere, key: 'k', token })).toBe(
      false,
    )
    expect((await store.get('k'))?.value).toBe('v')
    expect(await redis.get(`${prefix}lock:k`)).toBe(token)
    const plain: CacheLock = { acquire: () => 't', release: () => {} }
    expect(
      await store.setAndRelease?.('j', entryOf('w'), 60_000, { lock: plain, key: 'j', token: 't' }),
    ).toBe(false)
    expect((await store.get('j'))?.value).toBe('w')
  })
})

describe('setAndRelease on a Redis Cluster', () => {
  const cluster = useCluster()

  it('only writes and gives false: the value and the lease live in different slots', async () => {
    const prefix = uniquePrefix('set-release-cluster')
    const store = createRedisStore('redis', cluster, { keyPrefix: prefix })
    const lock = createRedisLock(cluster, { keyPrefix: `${prefix}lock:` })
    const token = (await lock.acquire('k', 10_000)) as string
    expect(await store.setAndRelease?.('k', entryOf('v'), 60_000, { lock, key: 'k', token })).toBe(false)
    expect((await store.get('k'))?.value).toBe('v')
    expect(await cluster.get(`${prefix}lock:k`)).toBe(token)
  })
})
