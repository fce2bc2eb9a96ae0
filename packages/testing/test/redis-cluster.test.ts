import { Cluster } from 'ioredis'
import type { ProvidedContext } from 'vitest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sendRedisCommand, setupRedisCluster, startRedisCluster } from '../src/index.js'

describe('setupRedisCluster / startRedisCluster', () => {
  const provided: Partial<ProvidedContext> = {}
  let teardown: () => Promise<void>

  beforeAll(async () => {
    teardown = await setupRedisCluster({
      provide: (key, value) => {
        provided[key] = value
      },
    })
  })

  afterAll(async () => {
    await teardown?.()
  })

  it('provides three masters on distinct loopback ports, each with a free bus port', () => {
    const nodes = provided.redisClusterNodes ?? []
    expect(nodes).toHaveLength(3)
    expect(new Set(nodes.map(({ port }) => port)).size).toBe(3)
    for (const { host, port } of nodes) {
      expect(host).toBe('127.0.0.1')
      expect(port).toBeLessThan(55_535)
    }
  })

  it('reaches cluster_state:ok on every node, with all slots assigned', async () => {
    for (const { port } of provided.redisClusterNodes ?? []) {
      const info = await sendRedisCommand(port, ['CLUSTER', 'INFO'])
      expect(info).toContain('cluster_state:ok')
      expect(info).toContain('cluster_slots_assigned:16384')
    }
  })

  it('serves SET and GET through an ioredis Cluster client', async () => {
    const cluster = new Cluster(provided.redisClusterNodes ?? [], { clusterRetryStrategy: () => null })
    try {
      const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`)
      for (const key of keys) await cluster.set(key, `value of ${key}`)
      for (const key of keys) expect(await cluster.get(key)).toBe(`value of ${key}`)
      // The keys really are spread over the masters, not all held by one.
      const sizes = await Promise.all(
        (provided.redisClusterNodes ?? []).map(({ port }) => sendRedisCommand(port, ['DBSIZE'])),
      )
      expect(sizes.map(Number).reduce((sum, size) => sum + size, 0)).toBe(keys.length)
      expect(sizes.filter((size) => Number(size) > 0).length).toBeGreaterThan(1)
    } finally {
      cluster.disconnect()
    }
  })

  it('stops every node on teardown, and a second teardown is harmless', async () => {
    await teardown()
    for (const { port } of provided.redisClusterNodes ?? []) {
      await expect(sendRedisCommand(port, ['PING'], 200)).rejects.toThrow()
    }
    await teardown()
  })

  it('refuses fewer than three masters', async () => {
    await expect(startRedisCluster({ masters: 2 })).rejects.toThrow(RangeError)
  })
})
