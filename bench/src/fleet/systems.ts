// The two fleet-capable systems, each set up as its docs show for "memory L1 + Redis L2 + a Redis bus":
// tiered with createRedisBus and createRedisLock; bentocache with redisBusDriver (it has no distributed lock).
// `bus: false` builds the same cache without bus (and lock), for the hit-with-and-without comparison.

import type { BenchValue } from '../value.js'

export type FleetSystemId = 'tiered' | 'bentocache'
export const FLEET_SYSTEMS: readonly FleetSystemId[] = ['tiered', 'bentocache']

export interface FleetSetup {
  redis: { host: string; port: number }
  /** Every Redis key (and the bus channel) starts with it. */
  prefix: string
  freshMs: number
  ttlMs: number
  bus: boolean
}

export interface FleetCache {
  fetch(key: string, load: () => Promise<BenchValue>): Promise<BenchValue | undefined>
  get(key: string): Promise<BenchValue | undefined>
  set(key: string, value: BenchValue): Promise<void>
  /** Resolves once the bus listens (when the system tells). */
  ready(): Promise<void>
  close(): Promise<void>
}

export async function createFleetCache(system: FleetSystemId, setup: FleetSetup): Promise<FleetCache> {
  return system === 'tiered' ? createTiered(setup) : createBento(setup)
}

async function createTiered(setup: FleetSetup): Promise<FleetCache> {
  const { TieredCache } = await import('@tiered/core')
  const { createMemoryStore } = await import('@tiered/store-memory')
  const { createRedisStore, createRedisBus, createRedisLock } = await import('@tiered/store-redis')
  const { Redis } = await import('ioredis')
  const client = new Redis({ host: setup.redis.host, port: setup.redis.port })
  const cache = new TieredCache({
    stores: [createMemoryStore('memory'), createRedisStore('redis', client, { keyPrefix: setup.prefix })],
    ...(setup.bus
      ? {
          bus: createRedisBus(client, { channel: `${setup.prefix}bus` }),
          lock: createRedisLock(client, { keyPrefix: `${setup.prefix}lock:` }),
        }
      : {}),
  })
  const { freshMs: fresh, ttlMs: ttl } = setup
  return {
    fetch: (key, load) => cache.swr({ queryKey: key, queryFn: load, fresh, ttl }),
    get: (key) => cache.get<BenchValue>(key),
    set: (key, value) => cache.set(key, value, { fresh, ttl }),
    ready: () => cache.ready(),
    async close() {
      await cache.close()
      await client.quit().catch(() => client.disconnect())
    },
  }
}

async function createBento(setup: FleetSetup): Promise<FleetCache> {
  const { BentoCache, bentostore } = await import('bentocache')
  const { memoryDriver } = await import('bentocache/drivers/memory')
  const { redisDriver, redisBusDriver } = await import('bentocache/drivers/redis')
  const connection = { host: setup.redis.host, port: setup.redis.port }
  const store = bentostore()
    .useL1Layer(memoryDriver({ maxItems: 200_000 }))
    .useL2Layer(redisDriver({ connection }))
  if (setup.bus) store.useBus(redisBusDriver({ connection }))
  const bento = new BentoCache({
    default: 'cache',
    stores: { cache: store },
    prefix: setup.prefix.slice(0, -1),
  })
  const ttl = setup.freshMs
  const grace = setup.ttlMs > setup.freshMs ? setup.ttlMs : false
  return {
    fetch: (key, load) => bento.getOrSet({ key, factory: load, ttl, grace }),
    get: (key) => bento.get<BenchValue>({ key }),
    set: async (key, value) => {
      await bento.set({ key, value, ttl, grace })
    },
    // bentocache subscribes as it starts and offers nothing to wait on; the worker's first round trip covers it.
    ready: () => Promise.resolve(),
    close: () => bento.disconnectAll(),
  }
}
