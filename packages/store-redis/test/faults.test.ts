// Faults on a real redis-server (and a real Cluster) under a memory + Redis TieredCache: killed, restarted,
// hung with SIGSTOP, full at maxmemory. The cache must never be the reason a call fails or hangs.

import { type CacheEvents, type CacheStoreError, TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { type RedisServerHandle, startRedisCluster, startRedisServer } from '@tiered/testing'
import { Cluster, Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { createRedisStore } from '../src/index.js'

const STORE_TIMEOUT_MS = 200
const LOADER_MS = 20
// What a 2-core CI machine running other packages side by side may add to a call beyond timeout + loader.
const SCHEDULING_SLACK_MS = 300

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function server(args: string[] = []): Promise<RedisServerHandle> {
  const handle = await startRedisServer({ args })
  cleanups.push(() => handle.stop())
  return handle
}

/** ioredis as an app would configure it, with reconnects capped at 500 ms so that a restart is noticed fast. */
function client(url: string): Redis {
  const redis = new Redis(url, { retryStrategy: (times) => Math.min(times * 50, 500) })
  redis.on('error', () => {}) // connection errors while the server is down; the cache reports what matters
  cleanups.push(() => redis.disconnect())
  return redis
}

function tieredOver(redis: Redis | Cluster, options: { memorySize?: number; prefix?: string } = {}) {
  const errors: CacheEvents['error'][] = []
  const cache = new TieredCache({
    stores: [
      createMemoryStore('memory', { maxSize: options.memorySize ?? 10_000 }),
      createRedisStore('redis', redis, { keyPrefix: options.prefix ?? 'faults:' }),
    ],
    storeTimeout: STORE_TIMEOUT_MS,
    circuitBreaker: { failureThreshold: 3, cooldown: '300ms' },
    defaultTtl: '1m',
    onError: (_, event) => errors.push(event),
  })
  return { cache, errors }
}

const expectedValue = (key: string) => ({ key, size: key.length })
const load = async ({ key }: { key: string }) => {
  await new Promise((resolve) => setTimeout(resolve, LOADER_MS))
  return expectedValue(key)
}

/** Runs `total` swr calls with `workers` concurrent callers; `onCall(i)` runs before call i. */
async function hammer(
  cache: TieredCache,
  options: { total: number; workers: number; keys: number; onCall?: (i: number) => void },
) {
  let next = 0
  let rejected = 0
  let wrong = 0
  let slowestMs = 0
  const worker = async () => {
    for (let i = next++; i < options.total; i = next++) {
      options.onCall?.(i)
      const key = `k${(i * 7919) % options.keys}`
      const started = performance.now()
      try {
        const value = await cache.swr({ queryKey: key, queryFn: load })
        if (JSON.stringify(value) !== JSON.stringify(expectedValue(key))) wrong++
      } catch {
        rejected++
      }
      slowestMs = Math.max(slowestMs, performance.now() - started)
    }
  }
  await Promise.all(Array.from({ length: options.workers }, worker))
  return { rejected, wrong, slowestMs }
}

describe('faults on a real redis-server', () => {
  it('SIGKILL in the middle of 10 000 swr calls with 64 callers: no call fails, values come from memory or the loader', async () => {
    const redis = await server()
    const { cache, errors } = tieredOver(client(redis.url), { memorySize: 200 })
    let killedAt: number | undefined
    const outcome = await hammer(cache, {
      total: 10_000,
      workers: 64,
      keys: 1_000,
      onCall: (i) => {
        if (i === 3_000) {
          killedAt = i
          redis.kill('SIGKILL')
        }
      },
    })
    expect(killedAt).toBe(3_000)
    expect(outcome).toMatchObject({ rejected: 0, wrong: 0 })
    expect(errors.some((event) => event.tier === 'redis')).toBe(true)
    expect(cache.stats().loads).toBeGreaterThan(1_000)
  })

  it('after a restart the Redis tier is used again within two seconds', async () => {
    const redis = await server()
    const { cache, errors } = tieredOver(client(redis.url))
    await cache.set('before', 1)
    redis.kill('SIGKILL')
    // Trip the circuit while the server is gone.
    for (let i = 0; i < 5; i++) await cache.get(`while-down-${i}`)
    expect(errors.length).toBeGreaterThan(0)
    await redis.restart()
    const back = performance.now()
    // A value another instance wrote after the restart must become visible through this cache's Redis tier.
    const writer = client(redis.url)
    const other = createRedisStore('writer', writer, { keyPrefix: 'faults:' })
    const now = Date.now()
    await other.set(
      'after',
      {
        value: 'from redis',
        createdAt: now,
        freshUntil: now + 60_000,
        expiresAt: now + 60_000,
        graceUntil: now + 60_000,
      },
      60_000,
    )
    let seen: unknown
    for (let attempt = 0; attempt < 100 && seen === undefined; attempt++) {
      seen = await cache.get('after')
      if (seen === undefined) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(seen).toBe('from redis')
    expect(performance.now() - back).toBeLessThan(2_000)
    expect(cache.stats().tiers[1]?.reads.circuit).toBe('closed')
  })

  it('SIGSTOP (hung, connections open): every call finishes within the tier timeout plus the loader time', async () => {
    const redis = await server()
    const connection = client(redis.url)
    const warm = tieredOver(connection)
    for (let i = 0; i < 100; i++) await warm.cache.swr({ queryKey: `k${i}`, queryFn: load })
    // A second instance with an empty memory tier, so that its reads go to the hung Redis.
    const { cache, errors } = tieredOver(connection)
    redis.kill('SIGSTOP')
    cleanups.push(() => redis.kill('SIGCONT'))
    const outcome = await hammer(cache, { total: 400, workers: 16, keys: 200 })
    redis.kill('SIGCONT')
    expect(outcome).toMatchObject({ rejected: 0, wrong: 0 })
    expect(outcome.slowestMs).toBeLessThan(STORE_TIMEOUT_MS + LOADER_MS + SCHEDULING_SLACK_MS)
    expect(errors.some((event) => (event.error as CacheStoreError).cause instanceof Error)).toBe(true)
  })

  it('full at maxmemory with noeviction: writes fail and are reported, reads and swr keep working', async () => {
    const redis = await server(['--maxmemory', '4mb', '--maxmemory-policy', 'noeviction'])
    const connection = client(redis.url)
    const { cache, errors } = tieredOver(connection)
    await cache.set('kept', 'written before it filled up')
    // Fill it with large values, then smaller ones, until even a small write is refused.
    let full = false
    let written = 0
    for (const size of [100_000, 1_000, 10]) {
      full = false
      for (let i = 0; i < 20_000 && !full; i++) {
        full = await connection.set(`filler:${written++}`, 'x'.repeat(size)).then(
          () => false,
          (error: Error) => /OOM/.test(error.message),
        )
      }
    }
    expect(full).toBe(true)

    await expect(cache.set('new', 'value')).resolves.toBeUndefined()
    const writeFailure = errors.find((event) => event.operation === 'set')
    expect(String((writeFailure?.error as CacheStoreError | undefined)?.message)).toMatch(/OOM/)

    const otherInstance = tieredOver(connection)
    await expect(otherInstance.cache.get('kept')).resolves.toBe('written before it filled up')
    const outcome = await hammer(otherInstance.cache, { total: 500, workers: 16, keys: 100 })
    expect(outcome).toMatchObject({ rejected: 0, wrong: 0 })
    await expect(otherInstance.cache.get('kept')).resolves.toBe('written before it filled up')
  })
})

describe('faults on a real Redis Cluster', () => {
  it('the whole cluster hung with SIGSTOP: every call finishes within the tier timeout plus the loader time', async () => {
    const cluster = await startRedisCluster()
    cleanups.push(() => cluster.stop())
    const redis = new Cluster(cluster.nodes, { clusterRetryStrategy: (times) => Math.min(times * 50, 500) })
    redis.on('error', () => {})
    cleanups.push(() => redis.disconnect())
    await new Promise<void>((resolve) => redis.once('ready', resolve))
    const warm = tieredOver(redis)
    for (let i = 0; i < 100; i++) await warm.cache.swr({ queryKey: `k${i}`, queryFn: load })
    const { cache } = tieredOver(redis)
    cluster.kill('SIGSTOP')
    cleanups.push(() => cluster.kill('SIGCONT'))
    const outcome = await hammer(cache, { total: 400, workers: 16, keys: 200 })
    cluster.kill('SIGCONT')
    expect(outcome).toMatchObject({ rejected: 0, wrong: 0 })
    expect(outcome.slowestMs).toBeLessThan(STORE_TIMEOUT_MS + LOADER_MS + SCHEDULING_SLACK_MS)
  })
})
