// Faults on a real redis-server (and a real Cluster) under a memory + Redis TieredCache: killed, restarted,
// hung with SIGSTOP, full at maxmemory. The cache must never be the reason a call fails or hangs; while Redis is
// known to be gone no call waits for it, it is written again soon after it answers, and no write reported as
// failed lands later.

import { type CacheEvents, type CacheStoreError, type Duration, TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { startRedisCluster, watchStalls } from '@tiered/testing'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createRedisStore } from '../src/index.js'
import {
  ADVISED,
  clientLabel,
  clientLibrary,
  clientOf,
  connectClusterClient,
  disconnect,
  observerOf,
  ownServer,
  ready,
  restartServer,
  sleep,
  type TestClient,
  waitFor,
} from './support/redis.js'

const LOADER_MS = 20
// What a 2-core CI machine running other packages side by side may add to a call beyond timeout + loader.
const SCHEDULING_SLACK_MS = 300

interface Options {
  memorySize?: number
  storeTimeout?: Duration
  cooldown?: Duration
}

function tieredOver(redis: TestClient, options: Options = {}) {
  const errors: CacheEvents['error'][] = []
  const cache = new TieredCache({
    stores: [
      createMemoryStore('memory', { maxSize: options.memorySize ?? 10_000 }),
      createRedisStore('redis', redis, { keyPrefix: 'faults:' }),
    ],
    storeTimeout: options.storeTimeout ?? '200ms',
    circuitBreaker: { failureThreshold: 3, cooldown: options.cooldown ?? '300ms' },
    defaultTtl: '1m',
    onError: (_, event) => errors.push(event),
  })
  onTestFinished(() => cache.close())
  return { cache, errors }
}

const expectedValue = (key: string) => ({ key, size: key.length })
const load = async ({ key }: { key: string }) => {
  await sleep(LOADER_MS)
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

interface Call {
  key: string
  startedAt: number
  endedAt: number
  failed: boolean
}

/**
 * swr calls on keys never seen before (each misses memory and goes to Redis), from `workers` callers, until
 * `stop()`; every call is recorded with its start and end.
 */
function coldKeyTraffic(cache: TieredCache, workers: number) {
  const calls: Call[] = []
  let running = true
  let next = 0
  const worker = async () => {
    // Bounded, and stopped by stop() long before: 50 000 calls is far beyond a test's few seconds at this pace.
    for (let n = 0; running && n < 50_000; n++) {
      const key = `cold-${next++}`
      const startedAt = performance.now()
      const value = await cache.swr({ queryKey: key, queryFn: async () => key }).catch(() => undefined)
      calls.push({ key, startedAt, endedAt: performance.now(), failed: value !== key })
      await sleep(2)
    }
  }
  const done = Promise.all(Array.from({ length: workers }, worker))
  return {
    calls,
    async stop(): Promise<void> {
      running = false
      await done
    },
  }
}

describe('faults on a real redis-server', () => {
  it('SIGKILL in the middle of 10 000 swr calls with 64 callers: no call fails, values come from memory or the loader', async () => {
    const server = await ownServer()
    const { cache, errors } = tieredOver(clientOf(server, ADVISED), { memorySize: 200 })
    let killedAt: number | undefined
    const outcome = await hammer(cache, {
      total: 10_000,
      workers: 64,
      keys: 1_000,
      onCall: (i) => {
        if (i === 3_000) {
          killedAt = i
          server.kill('SIGKILL')
        }
      },
    })
    expect(killedAt).toBe(3_000)
    expect(outcome).toMatchObject({ rejected: 0, wrong: 0 })
    expect(errors.some((event) => event.tier === 'redis')).toBe(true)
    expect(cache.stats().loads).toBeGreaterThan(1_000)
  })

  it.each([
    [`the advised ${clientLabel} client`, ADVISED, true],
    // node-redis never sends a command again after a drop, so its defaults land nothing either.
    [
      `${clientLabel}'s defaults (reconnecting every 20 ms)`,
      { reconnectMs: 20, resend: true },
      clientLibrary === 'node-redis',
    ],
  ])(
    'SIGKILL, then restart, with %s: cold-key calls never wait for Redis, it is written again soon after it answers, and no failed write lands later',
    async (label, options, advised) => {
      const server = await ownServer()
      const client = clientOf(server, options)
      await ready(client)
      const { cache } = tieredOver(client, { storeTimeout: '1s', cooldown: '100ms' })
      const stalls = watchStalls()
      onTestFinished(stalls.stop)
      const traffic = coldKeyTraffic(cache, 4)
      try {
        const beforeKill = observerOf(server)
        expect(await waitFor(async () => (await beforeKill.dbsize().catch(() => 0)) > 0)).toBe(true)
        beforeKill.disconnect()

        const killedAt = performance.now()
        server.kill('SIGKILL')
        await sleep(500)
        const restartedAt = performance.now()
        await restartServer(server)
        // The server answers PING from here on; it lost everything, so any key it holds was written after this.
        const answeredAt = performance.now()
        // A client connected now, so that its own reconnect is not part of the figure.
        const observer = observerOf(server)
        expect(
          await waitFor(async () => (await observer.dbsize()) > 0, { timeoutMs: 5_000, intervalMs: 2 }),
        ).toBe(true)
        const writtenAgainAt = performance.now()
        // Let everything the client or the engine might still hold reach the server, then look.
        await sleep(300)
        await traffic.stop()

        const duringOutage = traffic.calls.filter(
          (call) => call.startedAt >= killedAt && call.startedAt < answeredAt,
        )
        const outageMaxMs = Math.max(
          ...duringOutage.map((call) => stalls.ownMs(call.startedAt, call.endedAt)),
        )
        const rawMaxMs = Math.max(...duringOutage.map((call) => call.endedAt - call.startedAt))
        const backAfterMs = stalls.ownMs(answeredAt, writtenAgainAt)
        // Calls that ended before a server ran again: every Redis write they made failed (or was skipped).
        const failedWrites = traffic.calls.filter(
          (call) => call.endedAt < restartedAt && call.endedAt > killedAt,
        )
        const landed = await observer.exists(...failedWrites.map((call) => `faults:${call.key}`))
        // Commands ioredis had sent when the connection dropped are its own: by default it sends them again.
        // node-redis rejects them at the drop and never sends them again.
        const inFlightAtKill = traffic.calls.filter(
          (call) => call.startedAt < killedAt && call.endedAt > killedAt,
        )
        console.info(
          `[faults] ${clientLabel}: SIGKILL + restart, ${label}: ${duringOutage.length} cold-key calls during the outage, max ` +
            `${outageMaxMs.toFixed(1)} ms (${rawMaxMs.toFixed(1)} ms counting event-loop stalls, ` +
            `${stalls.totalMs().toFixed(0)} ms of them in the test); written again ${backAfterMs.toFixed(1)} ms ` +
            `after Redis answered (${(writtenAgainAt - answeredAt).toFixed(1)} ms counting stalls); ${landed} of ` +
            `${failedWrites.length} failed writes landed later`,
        )
        expect(duringOutage.length).toBeGreaterThan(20)
        expect(duringOutage.every((call) => !call.failed)).toBe(true)
        // Failing fast means no wait for Redis: a tenth of the store timeout, with room for a 2-core machine that
        // deschedules the test process (50 ms was crossed by 0.6 ms under a full parallel CI run).
        expect(outageMaxMs).toBeLessThan(100)
        // Never anything like the store timeout, even counting the stalls.
        expect(rawMaxMs).toBeLessThan(500)
        expect(backAfterMs).toBeLessThan(200)
        expect(failedWrites.length).toBeGreaterThan(20)
        expect(landed).toBeLessThanOrEqual(advised ? 0 : inFlightAtKill.length)
      } finally {
        await traffic.stop()
      }
    },
  )

  it('SIGSTOP then SIGCONT under cold-key calls: no call waits past the store timeout, and Redis is written again soon after it resumes', async () => {
    const server = await ownServer()
    const client = clientOf(server, ADVISED)
    await ready(client)
    const { cache } = tieredOver(client, { storeTimeout: '1s', cooldown: '100ms' })
    const traffic = coldKeyTraffic(cache, 4)
    const observer = observerOf(server)
    try {
      expect(await waitFor(async () => (await observer.dbsize().catch(() => 0)) > 0)).toBe(true)
      const hungAt = performance.now()
      server.kill('SIGSTOP')
      onTestFinished(() => server.kill('SIGCONT'))
      await sleep(1_500)
      server.kill('SIGCONT')
      const resumedAt = performance.now()
      // What was sent before the hang finished (and timed out) runs now; count keys from here on.
      const before = await observer.dbsize()
      expect(
        await waitFor(async () => (await observer.dbsize()) > before, { timeoutMs: 5_000, intervalMs: 2 }),
      ).toBe(true)
      const writtenAgainAt = performance.now()
      await traffic.stop()

      const duringHang = traffic.calls.filter(
        (call) => call.startedAt >= hungAt && call.startedAt < resumedAt,
      )
      const slowestMs = Math.max(...duringHang.map((call) => call.endedAt - call.startedAt))
      const slow = duringHang.filter((call) => call.endedAt - call.startedAt > 50)
      console.info(
        `[faults] ${clientLabel}: SIGSTOP 1.5 s, storeTimeout 1 s: ${duringHang.length} cold-key calls during the hang, slowest ` +
          `${slowestMs.toFixed(1)} ms, ${slow.length} over 50 ms; written again ` +
          `${(writtenAgainAt - resumedAt).toFixed(1)} ms after SIGCONT`,
      )
      expect(duringHang.every((call) => !call.failed)).toBe(true)
      // A hung server is not a known disconnect: the first calls wait for the store timeout, never longer.
      expect(slowestMs).toBeLessThan(1_000 + SCHEDULING_SLACK_MS)
      // Only the calls caught before a circuit opened wait: at most one read and one write per caller. The
      // engine probes an open circuit in the background, so no later call waits for the hung server.
      expect(slow.length).toBeLessThanOrEqual(2 * 4)
      expect(writtenAgainAt - resumedAt).toBeLessThan(200 + SCHEDULING_SLACK_MS)
    } finally {
      await traffic.stop()
    }
  })

  it('SIGSTOP (hung, connections open): every call finishes within the tier timeout plus the loader time', async () => {
    const server = await ownServer()
    const connection = clientOf(server, ADVISED)
    const warm = tieredOver(connection)
    for (let i = 0; i < 100; i++) await warm.cache.swr({ queryKey: `k${i}`, queryFn: load })
    // A second instance with an empty memory tier, so that its reads go to the hung Redis.
    const { cache, errors } = tieredOver(connection)
    server.kill('SIGSTOP')
    onTestFinished(() => server.kill('SIGCONT'))
    const outcome = await hammer(cache, { total: 400, workers: 16, keys: 200 })
    server.kill('SIGCONT')
    expect(outcome).toMatchObject({ rejected: 0, wrong: 0 })
    expect(outcome.slowestMs).toBeLessThan(200 + LOADER_MS + SCHEDULING_SLACK_MS)
    expect(errors.some((event) => (event.error as CacheStoreError).cause instanceof Error)).toBe(true)
  })

  it('full at maxmemory with noeviction: writes fail and are reported, reads and swr keep working', async () => {
    const server = await ownServer(['--maxmemory', '4mb', '--maxmemory-policy', 'noeviction'])
    const connection = clientOf(server, ADVISED)
    const filler = observerOf(server)
    const { cache, errors } = tieredOver(connection)
    await cache.set('kept', 'written before it filled up')
    // Fill it with large values, then smaller ones, until even a small write is refused.
    let full = false
    let written = 0
    for (const size of [100_000, 1_000, 10]) {
      full = false
      for (let i = 0; i < 20_000 && !full; i++) {
        full = await filler.set(`filler:${written++}`, 'x'.repeat(size)).then(
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
    onTestFinished(() => cluster.stop())
    const redis = connectClusterClient(cluster.nodes)
    onTestFinished(() => disconnect(redis))
    await ready(redis)
    const warm = tieredOver(redis)
    for (let i = 0; i < 100; i++) await warm.cache.swr({ queryKey: `k${i}`, queryFn: load })
    const { cache } = tieredOver(redis)
    cluster.kill('SIGSTOP')
    onTestFinished(() => cluster.kill('SIGCONT'))
    const outcome = await hammer(cache, { total: 400, workers: 16, keys: 200 })
    cluster.kill('SIGCONT')
    expect(outcome).toMatchObject({ rejected: 0, wrong: 0 })
    expect(outcome.slowestMs).toBeLessThan(200 + LOADER_MS + SCHEDULING_SLACK_MS)
  })
})
