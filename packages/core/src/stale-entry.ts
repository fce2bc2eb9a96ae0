// ctx.stale: the entry a load refreshes (stale) or replaces (expired, within grace), handed to queryFn so that a
// loader can refresh conditionally (If-None-Match; on 304 return ctx.stale.value). It rides on the load's flight,
// which every path from the call to queryFn already carries, one key or many.

import type { Flight } from './singleflight.js'
import type { CacheEntry, StaleValue } from './types.js'

const staleOf = new WeakMap<Flight, StaleValue>()

/** Remembers `entry` (when there is one) as what the load of `flight` refreshes or replaces. */
export function markStale(flight: Flight | undefined, entry: CacheEntry | undefined): void {
  if (flight !== undefined && entry !== undefined)
    staleOf.set(flight, { value: entry.value, createdAt: entry.createdAt })
}

/** What the load of `flight` refreshes or replaces, or undefined. */
export function staleFor(flight: Flight | undefined): StaleValue | undefined {
  return flight === undefined ? undefined : staleOf.get(flight)
}
