// The floors' one way of caching by hand: read the container, and on a miss load and put the value in it.

import type { BenchValue } from '../value.js'
import type { CacheUnderTest } from './types.js'

/** What a floor keeps its values in: a Map, an lru-cache. */
interface Container {
  get(key: string): BenchValue | undefined
  set(key: string, value: BenchValue): unknown
  clear(): void
}

export function readThrough(container: Container): CacheUnderTest {
  return {
    fetch(key, load) {
      const value = container.get(key)
      if (value !== undefined) return Promise.resolve(value)
      return load().then((loaded) => {
        container.set(key, loaded)
        return loaded
      })
    },
    async close() {
      container.clear()
    },
  }
}
