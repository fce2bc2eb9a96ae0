// The Redis floors: ioredis GET + JSON.parse by hand (SET PX + JSON.stringify on a miss), with and without
// ioredis auto-pipelining; with a bare Map in front for the two-tier workloads. No dedupe, no metadata.

import { Redis } from 'ioredis'
import type { BenchValue } from '../value.js'
import type { BenchSystem, CacheUnderTest, Layers, Loader, SystemSetup } from './types.js'

function floor(autoPipelining: boolean) {
  return async (setup: SystemSetup): Promise<CacheUnderTest> => {
    const client = new Redis({
      host: setup.redis.host,
      port: setup.redis.port,
      enableAutoPipelining: autoPipelining,
    })
    const map = setup.layers === 'memory+redis' ? new Map<string, BenchValue>() : undefined
    const { prefix, ttlMs } = setup

    async function fromRedis(key: string, load: Loader): Promise<BenchValue> {
      const raw = await client.get(prefix + key)
      if (raw !== null) {
        const value = JSON.parse(raw) as BenchValue
        map?.set(key, value)
        return value
      }
      const loaded = await load()
      map?.set(key, loaded)
      await client.set(prefix + key, JSON.stringify(loaded), 'PX', ttlMs)
      return loaded
    }

    return {
      fetch(key, load) {
        const value = map?.get(key)
        if (value !== undefined) return Promise.resolve(value)
        return fromRedis(key, load)
      },
      async close() {
        await client.quit().catch(() => client.disconnect())
      },
    }
  }
}

function label(layers: Layers, autoPipelining: boolean): string {
  const base = layers === 'memory+redis' ? 'Map + ioredis' : 'ioredis GET + JSON.parse'
  return `${base}${autoPipelining ? ', auto-pipelined' : ''} (floor)`
}

export const ioredisFloor: BenchSystem = {
  id: 'ioredis',
  label: (layers) => label(layers, false),
  role: 'floor',
  packageName: 'ioredis',
  layers: ['redis', 'memory+redis'],
  staleWhileRevalidate: false,
  create: floor(false),
}

export const ioredisPipelinedFloor: BenchSystem = {
  id: 'ioredis-pipelined',
  label: (layers) => label(layers, true),
  role: 'floor',
  packageName: 'ioredis',
  layers: ['redis', 'memory+redis'],
  staleWhileRevalidate: false,
  create: floor(true),
}
