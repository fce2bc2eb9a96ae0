// Helpers for a vitest globalSetup file: start one redis-server (or one Redis Cluster) for the
// whole run, hand its address to the tests through provide/inject, and stop it in teardown.

import type { ProvidedContext } from 'vitest'
import type { TestProject } from 'vitest/node'
import { type RedisNodeAddress, type StartRedisClusterOptions, startRedisCluster } from './redis-cluster.js'
import { type StartRedisServerOptions, startRedisServer } from './redis-server.js'

// Importing anything from @tiered/testing brings this in, so `inject('redisUrl')` is typed in every package.
declare module 'vitest' {
  export interface ProvidedContext {
    /** `redis://127.0.0.1:<port>` of the server `setupRedis` started. */
    redisUrl: string
    /** The masters of the cluster `setupRedisCluster` started. */
    redisClusterNodes: RedisNodeAddress[]
  }
}

/** What these helpers provide to tests. */
export type RedisProvidedContext = Pick<ProvidedContext, 'redisUrl' | 'redisClusterNodes'>

/** The part of vitest's TestProject (a globalSetup's argument) these helpers use. */
export type ProvideTarget = Pick<TestProject, 'provide'>

/** Starts a redis-server, provides `redisUrl`, and returns the teardown that stops it. */
export async function setupRedis(
  { provide }: ProvideTarget,
  options?: StartRedisServerOptions,
): Promise<() => Promise<void>> {
  const server = await startRedisServer(options)
  provide('redisUrl', server.url)
  return () => server.stop()
}

/** Starts a Redis Cluster, provides `redisClusterNodes`, and returns the teardown that stops it. */
export async function setupRedisCluster(
  { provide }: ProvideTarget,
  options?: StartRedisClusterOptions,
): Promise<() => Promise<void>> {
  const cluster = await startRedisCluster(options)
  provide('redisClusterNodes', cluster.nodes)
  return () => cluster.stop()
}

/**
 * A globalSetup that starts one redis-server and one 3-master Cluster, provides both, and stops both afterwards,
 * also when only one of them came up.
 */
export async function setupRedisAndCluster(project: ProvideTarget): Promise<() => Promise<void>> {
  const started = await Promise.allSettled([setupRedis(project), setupRedisCluster(project)])
  const teardowns = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []))
  const teardown = async (): Promise<void> => {
    const stopped = await Promise.allSettled(teardowns.map((stop) => stop()))
    const failed = stopped.find((outcome) => outcome.status === 'rejected')
    if (failed !== undefined) throw failed.reason
  }
  const failure = started.find((outcome) => outcome.status === 'rejected')
  if (failure !== undefined) {
    await teardown()
    throw failure.reason
  }
  return teardown
}
