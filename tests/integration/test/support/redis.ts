// Clients of the servers the globalSetup started, and a key prefix per test so that tests sharing a server never
// see each other's keys.

import { randomUUID } from 'node:crypto'
import { Cluster, Redis } from 'ioredis'
import { inject } from 'vitest'

export function connectRedis(): Redis {
  return new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 })
}

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

export function uniquePrefix(label: string): string {
  return `${label}:${randomUUID()}:`
}
