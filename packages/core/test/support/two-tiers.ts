// The usual engine test setup: a synchronous local Map store over an asynchronous shared one, on a manual clock.

import { createClock, createMapStore, type MapStore } from '@tiered/testing'
import { TieredCache, type TieredCacheOptions } from '../../src/index.js'

/** A synchronous Map store that says it is private to the process, as memory does. */
export function localStore(name: string, batch = true): MapStore {
  const store = createMapStore(name, { batch })
  Object.defineProperty(store, 'local', { value: true })
  return store
}

/** `l1` (local, synchronous) over `l2` (shared, asynchronous); `batch: false` leaves out getMany/setMany/deleteMany. */
export function twoTiers(options: Partial<TieredCacheOptions> & { batch?: boolean } = {}) {
  const { batch = true, ...cacheOptions } = options
  const clock = createClock()
  const l1 = localStore('l1', batch)
  const l2 = createMapStore('l2', { async: true, batch })
  const cache = new TieredCache({ stores: [l1, l2], now: clock.now, ...cacheOptions })
  return { clock, l1, l2, cache }
}
