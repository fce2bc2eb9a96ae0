// The memory floor: a bare Map read through by hand, no expiry, no LRU, no dedupe. Nothing in memory is faster.

import type { BenchValue } from '../value.js'
import type { BenchSystem, CacheUnderTest } from './types.js'

async function create(): Promise<CacheUnderTest> {
  const map = new Map<string, BenchValue>()
  return {
    fetch(key, load) {
      const value = map.get(key)
      if (value !== undefined) return Promise.resolve(value)
      return load().then((loaded) => {
        map.set(key, loaded)
        return loaded
      })
    },
    async close() {
      map.clear()
    },
  }
}

export const mapFloor: BenchSystem = {
  id: 'map',
  label: () => 'bare Map (floor)',
  role: 'floor',
  packageName: undefined,
  layers: ['memory'],
  staleWhileRevalidate: false,
  create,
}
