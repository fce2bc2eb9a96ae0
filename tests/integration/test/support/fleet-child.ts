// One member of a test fleet: a real Node process (`node --import tsx`) holding a TieredCache [memory, Redis] with
// the Redis bus and lock, driven by its parent over IPC. Every loader call is announced to the parent as it starts,
// so the parent counts loads even in a process it SIGKILLs during the load.

import { type CacheStore, TieredCache } from '@tiered/core'
import { createMemoryStore, type MemoryStore } from '@tiered/store-memory'
import { createRedisBus, createRedisLock, createRedisStore } from '@tiered/store-redis'
import { watchStalls } from '@tiered/testing'
import { Cluster, Redis } from 'ioredis'
import type {
  FleetCommand,
  FleetConfig,
  FleetEvent,
  FleetReply,
  SteadyLoad,
  SteadyResult,
} from './fleet-protocol.js'

const config = JSON.parse(process.env.FLEET_CONFIG ?? 'null') as FleetConfig
const clients: (Redis | Cluster)[] = []
const errors: string[] = []

function send(message: FleetEvent | FleetReply): void {
  process.send?.(message)
}

function connect(target: FleetConfig['redis']): Redis | Cluster {
  const options =
    config.client === 'advised'
      ? { retryStrategy: () => 20, maxRetriesPerRequest: 0 }
      : config.client === 'defaults'
        ? {}
        : { maxRetriesPerRequest: 1 }
  const client =
    'url' in target ? new Redis(target.url, options) : new Cluster(target.cluster, { redisOptions: options })
  // ioredis reports a lost connection here; the cache reports its own failures through onError.
  client.on('error', () => {})
  clients.push(client)
  return client
}

const redis = connect(config.redis)
const lockClient = config.lockRedis === undefined ? redis : connect(config.lockRedis)
const memory: MemoryStore = createMemoryStore('memory')
const stores: CacheStore[] = [memory, createRedisStore('redis', redis, { keyPrefix: config.prefix })]
const cache = new TieredCache({
  stores,
  bus: config.bus === false ? undefined : createRedisBus(redis, { channel: `${config.prefix}bus` }),
  lock:
    config.lock === false ? undefined : createRedisLock(lockClient, { keyPrefix: `${config.prefix}lock:` }),
  storeTimeout: config.storeTimeoutMs,
  lockTtl: config.lockTtlMs,
  defaultFresh: config.freshMs,
  defaultTtl: config.ttlMs,
  onError: (error) => {
    if (errors.length < 50) errors.push(error instanceof Error ? error.message : String(error))
  },
})

function announce(key: string): void {
  if (config.announceLoads !== false) send({ type: 'loading', pid: process.pid, key, at: Date.now() })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** Wall-clock milliseconds with sub-millisecond precision, comparable between processes of one machine. */
const wallNow = () => performance.timeOrigin + performance.now()

async function run(command: FleetCommand): Promise<unknown> {
  switch (command.op) {
    case 'set':
      await cache.set(command.key, command.value)
      return { at: wallNow() }
    case 'delete':
      await cache.delete(command.key)
      return { at: wallNow() }
    case 'get':
      return { value: (await cache.get(command.key)) ?? null }
    case 'peek': {
      const entry = memory.get(command.key)
      return entry === undefined
        ? { value: null }
        : { value: entry.value, fresh: Date.now() < entry.freshUntil, live: Date.now() < entry.expiresAt }
    }
    case 'swr': {
      if (command.startAt !== undefined) await sleep(Math.max(0, command.startAt - Date.now()))
      const started = performance.now()
      const queryFn = async () => {
        announce(command.key)
        await sleep(command.loadMs)
        return command.value
      }
      const outcomes = await Promise.allSettled(
        Array.from({ length: command.callers }, () =>
          cache
            .swr({ queryKey: command.key, queryFn, timeout: command.timeoutMs })
            .then((value) => ({ value, ms: performance.now() - started })),
        ),
      )
      const values: unknown[] = []
      const failures: string[] = []
      let ms = 0
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') {
          values.push(outcome.value.value)
          ms = Math.max(ms, outcome.value.ms)
        } else {
          failures.push(String((outcome.reason as Error)?.message ?? outcome.reason))
        }
      }
      return { values, failures, ms }
    }
    case 'watch': {
      // Reads the key as a caller would until it no longer gives the old value: when did this process first see the
      // change? Bounded in time.
      const deadline = performance.now() + command.timeoutMs
      let reads = 0
      while (performance.now() < deadline) {
        const value = (await cache.get(command.key)) ?? null
        reads++
        if (JSON.stringify(value) !== JSON.stringify(command.old)) return { value, at: wallNow(), reads }
        await sleep(command.intervalMs)
      }
      return { value: command.old, at: null, reads }
    }
    case 'fuzz':
      return fuzz(command)
    case 'steady':
      return steady(command)
    case 'stats':
      return { stats: cache.stats(), errors: [...errors] }
    case 'close':
      await cache.close()
      for (const client of clients) client.disconnect()
      setImmediate(() => process.exit(0))
      return {}
  }
}

/** What a fuzz run saw: values its loaders and sets produced, answers it got, and the calls that broke a rule. */
async function fuzz(command: Extract<FleetCommand, { op: 'fuzz' }>) {
  let state = command.seed >>> 0 || 1
  const random = (n: number) => {
    // xorshift32: a fixed sequence per seed, so that a failing run can be read again.
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) % n
  }
  const produced = new Set<string>()
  const answers = new Set<string>()
  const broken: string[] = []
  let serial = 0
  let calls = 0
  const next = (kind: string) => {
    const value = `${kind}:${process.pid}:${serial++}`
    produced.add(value)
    return value
  }
  const keyOf = (i: number) => `fuzz:${i}`
  const tagsOf = (i: number) => [`fuzz-tag:${i % 3}`]
  const loader = async (key: string) => {
    await sleep(random(command.loadMs + 1))
    return next(`load(${key})`)
  }
  const check = (what: string, value: unknown) => {
    if (typeof value !== 'string') broken.push(`${what} resolved ${JSON.stringify(value)}`)
    else answers.add(value)
  }
  const deadline = performance.now() + command.durationMs
  const worker = async () => {
    while (performance.now() < deadline) {
      calls++
      const i = random(command.keys)
      const op = random(20)
      try {
        if (op < 9) {
          check(
            `swr ${keyOf(i)}`,
            await cache.swr({ queryKey: keyOf(i), queryFn: () => loader(keyOf(i)), tags: tagsOf(i) }),
          )
        } else if (op < 14) {
          const indexes = [i, random(command.keys), random(command.keys)]
          const values = await cache.swrMany({
            queryKeys: indexes.map(keyOf),
            queryFn: async ({ keys }) => Promise.all(keys.map((key) => loader(key))),
            tags: tagsOf(i),
          })
          values.forEach((value, j) => {
            check(`swrMany ${keyOf(indexes[j] as number)}`, value)
          })
        } else if (op < 16) {
          await cache.set(keyOf(i), next(`set(${keyOf(i)})`), { tags: tagsOf(i) })
        } else if (op < 18) {
          await cache.delete(keyOf(i))
        } else if (op < 19) {
          check(
            `forceFresh ${keyOf(i)}`,
            await cache.swr({
              queryKey: keyOf(i),
              queryFn: () => loader(keyOf(i)),
              tags: tagsOf(i),
              forceFresh: true,
            }),
          )
        } else {
          await cache.deleteByTag(tagsOf(i))
        }
      } catch (error) {
        broken.push(
          `op ${op} on ${keyOf(i)} rejected: ${error instanceof Error ? error.message : String(error)}`,
        )
      }
    }
  }
  await Promise.all(Array.from({ length: command.workers }, worker))
  return { produced: [...produced], answers: [...answers], broken: broken.slice(0, 20), calls }
}

/** Runs steady load (see SteadyLoad); every call's latency is measured here, in the process that made it. */
async function steady(load: SteadyLoad): Promise<SteadyResult> {
  await sleep(Math.max(0, load.startAt - Date.now()))
  const stalls = watchStalls()
  const calls: number[] = []
  const failures: string[] = []
  const endAt = performance.now() + load.durationMs
  // Each worker keeps to its share of the rate; a call slower than its slot delays only that worker.
  const slotMs = (1_000 * load.workers) / load.ratePerSec
  let cold = 0
  const queryFn = async ({ key }: { key: string }) => {
    announce(key)
    await sleep(load.loadMs)
    return `value of ${key}`
  }
  const worker = async (index: number) => {
    let next = performance.now() + (slotMs * index) / load.workers
    let n = index
    while (performance.now() < endAt) {
      await sleep(Math.max(0, next - performance.now()))
      n += load.workers
      const isCold = Math.random() < load.coldShare
      const key = isCold ? `cold:${process.pid}:${cold++}` : `hot:${(n * 7919) % load.hotKeys}`
      const wallStart = wallNow()
      const started = performance.now()
      let failed = 0
      try {
        if ((await cache.swr({ queryKey: key, queryFn })) !== `value of ${key}`) {
          failed = 1
          if (failures.length < 20) failures.push(`${key}: wrong value`)
        }
      } catch (error) {
        failed = 1
        if (failures.length < 20) failures.push(`${key}: ${String(error)}`)
      }
      const ended = performance.now()
      calls.push(wallStart, stalls.ownMs(started, ended), ended - started, failed, isCold ? 1 : 0)
      next = Math.max(next + slotMs, ended)
    }
  }
  await Promise.all(Array.from({ length: load.workers }, (_, index) => worker(index)))
  stalls.stop()
  return { calls, stallsMs: stalls.totalMs(), errors: failures }
}

process.on('message', (command: FleetCommand) => {
  run(command).then(
    (result) => send({ type: 'reply', id: command.id, ok: true, result }),
    (error: unknown) =>
      send({
        type: 'reply',
        id: command.id,
        ok: false,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      }),
  )
})
// The parent is gone: nothing more to do here.
process.on('disconnect', () => process.exit(0))

cache.ready().then(
  () => send({ type: 'ready', pid: process.pid }),
  (error: unknown) => send({ type: 'ready', pid: process.pid, error: String(error) }),
)
