// Test clients for the servers the globalSetup started, a fresh key prefix per test so that test files sharing a
// server never see each other's keys, and a valid CacheEntry to store.

import { randomUUID } from 'node:crypto'
import type { CacheEntry } from '@tiered/core'
import { Cluster, Redis } from 'ioredis'
import { inject } from 'vitest'

/** A client of the single redis-server; disconnect it in afterAll/finally. */
export function connectRedis(): Redis {
  return new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 })
}

/** A client of the 3-master Redis Cluster; waits until it knows the slot map. */
export async function connectCluster(): Promise<Cluster> {
  const cluster = new Cluster(inject('redisClusterNodes'), {
    clusterRetryStrategy: () => null,
    redisOptions: { maxRetriesPerRequest: 1 },
  })
  await new Promise<void>((resolve, reject) => {
    cluster.once('ready', resolve)
    cluster.once('error', reject)
  })
  return cluster
}

/** `label:<uuid>:`, unique to the call. */
export function uniquePrefix(label: string): string {
  return `${label}:${randomUUID()}:`
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
