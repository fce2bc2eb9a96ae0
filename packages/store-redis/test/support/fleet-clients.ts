// Clients and waits for the bus and lock tests: clients under test as an app configures them (reconnecting every
// 50 ms, so a restart is noticed fast), ioredis clients to look into Redis with, a bounded wait for a condition, and
// a recorder of what a bus hands its subscriber.

import { randomUUID } from 'node:crypto'
import type { BusHandlers, BusMessage } from '@tiered/core'
import type { RedisNodeAddress } from '@tiered/testing'
import {
  Cluster,
  connectClient,
  connectClusterClient,
  disconnect,
  Redis,
  ready,
  type TestClient,
} from './redis.js'

/** Test-owned clients; `disconnectAll` ends them in afterEach/afterAll. */
export class Clients {
  private readonly made: (Redis | Cluster)[] = []
  private readonly underTest: TestClient[] = []

  /** A client under test (the project's library) of a single redis-server, ready. */
  async client(url: string): Promise<TestClient> {
    const client = connectClient(url, { reconnectMs: 50 })
    this.underTest.push(client)
    await ready(client)
    return client
  }

  /** A client under test of a Cluster, ready (it knows the slot map). */
  async clusterClient(nodes: RedisNodeAddress[]): Promise<TestClient> {
    const client = connectClusterClient(nodes)
    this.underTest.push(client)
    await ready(client)
    return client
  }

  /** An ioredis client of a single redis-server, to look into it, that waits until ready. */
  async redis(url: string): Promise<Redis> {
    const redis = new Redis(url, {
      retryStrategy: (times) => Math.min(times * 20, 200),
      maxRetriesPerRequest: 1,
    })
    redis.on('error', () => {}) // connection errors while a test has the server down
    this.made.push(redis)
    await waitUntilReady(redis)
    return redis
  }

  /** An ioredis client of a Cluster, to look into it, that waits until it knows the slot map. */
  async cluster(nodes: RedisNodeAddress[]): Promise<Cluster> {
    const cluster = new Cluster(nodes, {
      clusterRetryStrategy: (times) => Math.min(times * 20, 200),
      redisOptions: { maxRetriesPerRequest: 1 },
    })
    cluster.on('error', () => {})
    this.made.push(cluster)
    await waitUntilReady(cluster)
    return cluster
  }

  disconnectAll(): void {
    for (const client of this.made.splice(0)) client.disconnect()
    for (const client of this.underTest.splice(0)) disconnect(client)
  }
}

function waitUntilReady(client: Redis | Cluster): Promise<void> {
  if (client.status === 'ready') return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`client not ready within 20 s (${client.status})`)),
      20_000,
    )
    client.once('ready', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** Polls `condition` every 10 ms until it holds; fails after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Handlers that record every message, gap, loss and error a bus delivers. */
export interface Recorder extends Required<BusHandlers> {
  readonly messages: BusMessage[]
  readonly errors: unknown[]
  gaps: number
  losses: number
}

export function recorder(): Recorder {
  const recorded: Recorder = {
    messages: [],
    errors: [],
    gaps: 0,
    losses: 0,
    message: (message) => recorded.messages.push(message),
    gap: () => {
      recorded.gaps++
    },
    lost: () => {
      recorded.losses++
    },
    error: (error) => recorded.errors.push(error),
  }
  return recorded
}

/** `label:<uuid>`, unique to the call: a channel or key prefix no other test shares. */
export function uniqueName(label: string): string {
  return `${label}:${randomUUID()}`
}
