// Every system the bench compares, in the order tables list them: tiered, the peers, then the floors. Each is
// imported only when asked for, so a measuring process loads the one library it measures and no other.

import type { BenchSystem } from './types.js'

const LOADERS: Record<string, () => Promise<BenchSystem>> = {
  tiered: async () => (await import('./tiered.js')).tiered,
  bentocache: async () => (await import('./bentocache.js')).bentocache,
  cacheable: async () => (await import('./cacheable.js')).cacheable,
  'cache-manager': async () => (await import('./cache-manager.js')).cacheManager,
  cachified: async () => (await import('./cachified.js')).cachified,
  map: async () => (await import('./map.js')).mapFloor,
  'lru-cache': async () => (await import('./lru-cache.js')).lruCacheFloor,
  ioredis: async () => (await import('./ioredis.js')).ioredisFloor,
  'ioredis-pipelined': async () => (await import('./ioredis.js')).ioredisPipelinedFloor,
}

const SYSTEM_IDS: readonly string[] = Object.keys(LOADERS)

export function loadSystem(id: string): Promise<BenchSystem> {
  const load = LOADERS[id]
  if (load === undefined) throw new RangeError(`no system "${id}"; known: ${SYSTEM_IDS.join(', ')}`)
  return load()
}

export function loadSystems(): Promise<BenchSystem[]> {
  return Promise.all(SYSTEM_IDS.map(loadSystem))
}
