// The one prelude of this package's Redis tests: the ioredis major the vitest project runs against, clients of the
// servers the globalSetup started (closed after the file), a fresh key prefix per test, a valid CacheEntry,
// MONITOR on a client's node, and a bounded wait for a condition.

import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'
import type { CacheEntry } from '@tiered/core'
import { type RedisServerHandle, startRedisServer } from '@tiered/testing'
import type * as IORedis from 'ioredis'
import { afterAll, beforeAll, inject, onTestFinished } from 'vitest'
import { type CommandWatch, watchCommands } from './monitor.js'

/** The ioredis major under test: vitest.config.ts runs every file once per major (5: `ioredis`, 6: `ioredis6`). */
export const ioredisMajor: 5 | 6 = process.env.TIERED_IOREDIS_MAJOR === '6' ? 6 : 5

const packageName = ioredisMajor === 6 ? 'ioredis6' : 'ioredis'
// Both majors have the same API where the store and these tests use it; typed as the one the package builds with.
const ioredis = (ioredisMajor === 6 ? await import('ioredis6') : await import('ioredis')) as typeof IORedis

/** The version of the ioredis this project loaded, read from its package.json. */
export const ioredisVersion: string = (
  createRequire(import.meta.url)(`${packageName}/package.json`) as { version: string }
).version

export const Redis: typeof IORedis.Redis = ioredis.Redis
export type Redis = IORedis.Redis
export const Cluster: typeof IORedis.Cluster = ioredis.Cluster
export type Cluster = IORedis.Cluster

/** A client of the shared redis-server (or of `url`); disconnect it yourself, or use `useRedis`. */
export function connectRedis(options: IORedis.RedisOptions = {}, url: string = inject('redisUrl')): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1, ...options })
}

/** A client of the shared redis-server for the whole file, disconnected after its last test. */
export function useRedis(): Redis {
  const redis = connectRedis()
  afterAll(() => redis.disconnect())
  return redis
}

/** Resolves once `client` is ready (rejects if it reports an error first). */
export function ready(client: Redis | Cluster): Promise<void> {
  if (client.status === 'ready') return Promise.resolve()
  return new Promise<void>((resolve, reject) => {
    client.once('ready', resolve)
    client.once('error', reject)
  })
}

/** A client of the shared 3-master Cluster; `await ready(cluster)` before using its slot map. */
function connectCluster(options: IORedis.ClusterOptions = {}): Cluster {
  return new Cluster(inject('redisClusterNodes'), {
    clusterRetryStrategy: () => null,
    redisOptions: { maxRetriesPerRequest: 1 },
    ...options,
  })
}

/** A Cluster client for the whole file: ready before the first test, disconnected after the last. */
export function useCluster(): Cluster {
  const cluster = connectCluster()
  beforeAll(() => ready(cluster))
  afterAll(() => cluster.disconnect())
  return cluster
}

/** A redis-server of the test's own, for fault tests (kill, stop, restart); stopped when the test ends. */
export async function ownServer(args: string[] = []): Promise<RedisServerHandle> {
  const server = await startRedisServer({ args })
  onTestFinished(() => server.stop())
  return server
}

/** A client of `server` for one test, disconnected when it ends; errors while the server is down are expected. */
export function clientOf(server: RedisServerHandle, options: IORedis.RedisOptions = {}): Redis {
  const client = new Redis(server.url, options)
  client.on('error', () => {})
  onTestFinished(() => client.disconnect())
  return client
}

const RESTART_ATTEMPTS = 40
const RESTART_RETRY_MS = 50

/**
 * Restarts `server` on its port. While it was down, any socket on the machine (another test's connection, or a
 * server another package started) may have taken that port: a connection lets it go within moments, so a restart
 * refused for "address in use" is retried for up to 2 s; a port still taken after that fails the test loudly.
 */
export async function restartServer(server: RedisServerHandle): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await server.restart()
      return
    } catch (error) {
      const inUse = (error as { addressInUse?: unknown }).addressInUse === true
      if (!inUse || attempt >= RESTART_ATTEMPTS) throw error
      await sleep(RESTART_RETRY_MS)
    }
  }
}

/** MONITOR on the node `redis` talks to; `stop()` returns every command it ran meanwhile. */
export function watchNode(redis: Redis): Promise<CommandWatch> {
  const { host, port } = redis.options
  return watchCommands(host as string, port as number)
}

/** `label:<uuid>:`, unique to the call. */
export function uniquePrefix(label: string): string {
  return `${label}:${randomUUID()}:`
}

/**
 * Runs `use` with a client of `redis`'s server whose user may not run scripts (so that setMany takes its pipeline
 * path); the client and the user are removed afterwards.
 */
export async function withoutScripts(redis: Redis, use: (client: Redis) => Promise<void>): Promise<void> {
  const user = `noscript-${uniquePrefix('u').slice(2, 10)}`
  await redis.call('ACL', 'SETUSER', user, 'on', 'nopass', '~*', '&*', '+@all', '-eval', '-evalsha')
  const { host, port } = redis.options
  const limited = new Redis({ host, port, username: user, maxRetriesPerRequest: 1 })
  try {
    await use(limited)
  } finally {
    limited.disconnect()
    await redis.call('ACL', 'DELUSER', user)
  }
}

/** An entry fresh for a minute and alive for two. */
export function entryOf<T>(value: T, now = Date.now()): CacheEntry<T> {
  return {
    value,
    createdAt: now,
    freshUntil: now + 60_000,
    expiresAt: now + 120_000,
    graceUntil: now + 120_000,
  }
}

/**
 * Polls `check` every `intervalMs` until it gives something other than undefined or false, for at most
 * `timeoutMs`; returns that, or the last answer when time ran out.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 5_000, intervalMs = 10 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs
  const maxPolls = Math.ceil(timeoutMs / intervalMs) + 1
  let last = await check()
  for (let poll = 0; poll < maxPolls && (last === undefined || last === false); poll++) {
    if (performance.now() >= deadline) break
    await sleep(intervalMs)
    last = await check()
  }
  return last
}

export { sleep, watchCommands }
