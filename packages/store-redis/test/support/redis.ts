// The one prelude of this package's Redis tests: the client library and major the vitest project runs against
// (ioredis 5 or 6, node-redis 5 or 6), clients of the servers the globalSetup started (closed after the file), a
// fresh key prefix per test, a valid CacheEntry, MONITOR on a client's node, and a bounded wait for a condition.
//
// Two kinds of client: the one under test (`useClient`, `useClusterClient`, `clientOf`), of the project's library,
// which every store, bus and lock is given; and ioredis clients (`useRedis`, `useCluster`, `observerOf`) the tests
// look into Redis with, whatever the library under test (ioredis of the project's major for ioredis projects).

import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'
import type { CacheEntry } from '@tiered/core'
import { type RedisNodeAddress, type RedisServerHandle, startRedisServer } from '@tiered/testing'
import type * as IORedis from 'ioredis'
import type * as NodeRedis from 'redis'
import { afterAll, beforeAll, inject, onTestFinished } from 'vitest'
import type { RedisClient } from '../../src/connection.js'
import { type CommandWatch, watchCommands } from './monitor.js'

/** The client under test: vitest.config.ts runs every file once per library and major. */
export const clientLibrary: 'ioredis' | 'node-redis' =
  process.env.TIERED_REDIS_CLIENT === 'node-redis' ? 'node-redis' : 'ioredis'
export const clientMajor: 5 | 6 = process.env.TIERED_REDIS_MAJOR === '6' ? 6 : 5
/** e.g. `ioredis 6`, `node-redis 5`. */
export const clientLabel = `${clientLibrary} ${clientMajor}`

/** The package (or alias) of the client under test. */
const clientPackage =
  clientLibrary === 'ioredis'
    ? clientMajor === 6
      ? 'ioredis6'
      : 'ioredis'
    : clientMajor === 6
      ? 'redis6'
      : 'redis'
/** The version of the client under test, read from its package.json. */
export const clientVersion: string = (
  createRequire(import.meta.url)(`${clientPackage}/package.json`) as { version: string }
).version

// The ioredis the tests look into Redis with. Both majors have the same API where the store and these tests use it;
// typed as the one the package builds with.
const ioredis = (
  clientLibrary === 'ioredis' && clientMajor === 6 ? await import('ioredis6') : await import('ioredis')
) as typeof IORedis
// Typed as redis 5's; what these tests call is the same in 6.
const nodeRedis = (
  clientLibrary === 'node-redis'
    ? clientMajor === 6
      ? await import('redis6')
      : await import('redis')
    : undefined
) as typeof NodeRedis | undefined

export const Redis: typeof IORedis.Redis = ioredis.Redis
export type Redis = IORedis.Redis
export const Cluster: typeof IORedis.Cluster = ioredis.Cluster
export type Cluster = IORedis.Cluster

/** A client of the shared redis-server for the whole file, disconnected after its last test. */
export function useRedis(): Redis {
  const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 })
  afterAll(() => redis.disconnect())
  return redis
}

/** Resolves once an ioredis `client` is ready (rejects if it reports an error first). */
function ioredisReady(client: Redis | Cluster): Promise<void> {
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
  beforeAll(() => ioredisReady(cluster))
  afterAll(() => cluster.disconnect())
  return cluster
}

/** A redis-server of the test's own, for fault tests (kill, stop, restart); stopped when the test ends. */
export async function ownServer(args: string[] = []): Promise<RedisServerHandle> {
  const server = await startRedisServer({ args })
  onTestFinished(() => server.stop())
  return server
}

/** An ioredis client of `server` to look into it, disconnected when the test ends; never sends a command twice. */
export function observerOf(server: RedisServerHandle): Redis {
  const observer = new Redis(server.url, { maxRetriesPerRequest: 0 })
  observer.on('error', () => {})
  onTestFinished(() => observer.disconnect())
  return observer
}

/** A client under test, of the project's library. */
export type TestClient = RedisClient

/** How a test wants the client under test, in words both libraries map. */
export interface ClientOptions {
  /** Milliseconds between reconnect attempts (default: the library's own policy). */
  reconnectMs?: number
  /** No reconnecting at all. */
  noReconnect?: boolean
  /**
   * ioredis: whether a command in flight at a drop is sent again at reconnect (`maxRetriesPerRequest` 20, its
   * default, vs 0, which the README advises). node-redis never sends it again, whatever this says.
   */
  resend?: boolean
  /** Not connected yet: ioredis `lazyConnect`; node-redis without `connect()`. */
  lazy?: boolean
  /** The client's own key prefix (node-redis 6 and ioredis have one). */
  keyPrefix?: string
}

/** The README's advice for a client under a cache: reconnect soon, never send a command again after a drop. */
export const ADVISED: ClientOptions = { reconnectMs: 20, resend: false }

function ioredisOptions(options: ClientOptions): IORedis.RedisOptions {
  return {
    maxRetriesPerRequest: options.resend === true ? 20 : options.resend === false ? 0 : 1,
    ...(options.reconnectMs !== undefined && { retryStrategy: () => options.reconnectMs }),
    ...(options.noReconnect === true && { retryStrategy: () => null }),
    ...(options.lazy === true && { lazyConnect: true }),
    ...(options.keyPrefix !== undefined && { keyPrefix: options.keyPrefix }),
  }
}

function nodeRedisSocket(options: ClientOptions): Record<string, unknown> {
  if (options.noReconnect === true) return { reconnectStrategy: false }
  return options.reconnectMs === undefined ? {} : { reconnectStrategy: () => options.reconnectMs }
}

/** Starts connecting a node-redis client (unless lazy), its errors expected while a test has the server down. */
function started<
  T extends { on(event: 'error', listener: () => void): unknown; connect(): Promise<unknown> },
>(client: T, options: ClientOptions): T {
  client.on('error', () => {})
  if (options.lazy !== true) client.connect().catch(() => {})
  return client
}

/** A client under test of the redis-server at `url`; end it with `disconnect`. */
export function connectClient(url: string = inject('redisUrl'), options: ClientOptions = {}): TestClient {
  if (nodeRedis === undefined) {
    const client = new Redis(url, ioredisOptions(options))
    client.on('error', () => {})
    return client
  }
  const client = nodeRedis.createClient({
    url,
    socket: nodeRedisSocket(options),
    ...(options.keyPrefix !== undefined && { keyPrefix: options.keyPrefix }),
  })
  return started(client, options) as TestClient
}

/** A client under test of a Cluster; end it with `disconnect`. */
export function connectClusterClient(
  nodes: RedisNodeAddress[] = inject('redisClusterNodes'),
  options: ClientOptions = {},
): TestClient {
  if (nodeRedis === undefined) {
    const cluster = new Cluster(nodes, {
      clusterRetryStrategy: (times) => (options.noReconnect ? null : Math.min(times * 20, 200)),
      redisOptions: { maxRetriesPerRequest: 1 },
      ...(options.lazy === true && { lazyConnect: true }),
    })
    cluster.on('error', () => {})
    return cluster
  }
  return started(
    nodeRedis.createCluster({
      rootNodes: nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })),
      defaults: { socket: nodeRedisSocket(options) },
    }),
    options,
  ) as unknown as TestClient
}

interface NodeRedisLike {
  readonly isOpen: boolean
  readonly isReady?: boolean
  readonly masters?: readonly unknown[]
  destroy(): void
  connect(): Promise<unknown>
  sendCommand(args: string[]): Promise<unknown>
}

/** Whether the client under test has a live connection (a node-redis Cluster: knows its masters). */
export function isReady(client: TestClient): boolean {
  if ('status' in client) return client.status === 'ready'
  const node = client as unknown as NodeRedisLike
  if (node.masters !== undefined) return node.isOpen && node.masters.length > 0 && node.isReady !== false
  return node.isReady === true
}

/** Resolves once the client under test is ready; fails after 20 s. */
export async function ready(client: TestClient): Promise<void> {
  if ('status' in client) return ioredisReady(client)
  if (!(await waitFor(() => isReady(client), { timeoutMs: 20_000 }))) {
    throw new Error(`${clientLabel} client not ready within 20 s`)
  }
}

/** Ends the client under test, whatever its state. */
export function disconnect(client: TestClient): void {
  if ('status' in client) client.disconnect()
  else if ((client as unknown as NodeRedisLike).isOpen) (client as unknown as NodeRedisLike).destroy()
}

/** PING through the client under test. */
export function ping(client: TestClient): Promise<unknown> {
  return 'status' in client ? client.ping() : (client as unknown as NodeRedisLike).sendCommand(['PING'])
}

/** `connect()` for a lazy client under test. */
export function connectLater(client: TestClient): Promise<unknown> {
  return 'status' in client ? client.connect() : (client as unknown as NodeRedisLike).connect()
}

/** A client under test of the shared redis-server for the whole file, ready before its first test. */
export function useClient(options: ClientOptions = {}): TestClient {
  const client = connectClient(inject('redisUrl'), options)
  beforeAll(() => ready(client))
  afterAll(() => disconnect(client))
  return client
}

/** A client under test of the shared Cluster for the whole file, ready before its first test. */
export function useClusterClient(): TestClient {
  const client = connectClusterClient()
  beforeAll(() => ready(client))
  afterAll(() => disconnect(client))
  return client
}

/** A client under test of `server` for one test, ended when it ends. */
export function clientOf(server: RedisServerHandle, options: ClientOptions = {}): TestClient {
  const client = connectClient(server.url, options)
  onTestFinished(() => disconnect(client))
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
 * Runs `use` with a client under test (the library this project runs) of `redis`'s server, logged in as a user who
 * may not run scripts (so that setMany takes its pipeline path); the client and the user are removed afterwards.
 */
export async function withoutScripts(
  redis: Redis,
  use: (client: TestClient) => Promise<void>,
): Promise<void> {
  const user = `noscript-${uniquePrefix('u').slice(2, 10)}`
  await redis.call('ACL', 'SETUSER', user, 'on', '>secret', '~*', '&*', '+@all', '-eval', '-evalsha')
  const { host, port } = redis.options
  const limited = connectClient(`redis://${user}:secret@${host}:${port}`)
  try {
    await ready(limited)
    await use(limited)
  } finally {
    disconnect(limited)
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
