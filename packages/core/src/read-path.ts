// The asynchronous part of a read: tiers below the synchronous ones, asked in order, the first live hit
// written back to every tier above it.

import type { Flight } from './singleflight.js'
import type { Tier } from './tier.js'
import type { CacheEntry } from './types.js'
import { writeTiers } from './write-path.js'

export interface ReadResult {
  /** The first entry with `now < expiresAt`, or undefined. */
  entry: CacheEntry | undefined
  /** The tier it came from. */
  tier: Tier | undefined
  /** The first entry past `expiresAt` but within `graceUntil`, kept to serve if a load fails. */
  grace: CacheEntry | undefined
  /** The tier the grace entry came from. */
  graceTier: Tier | undefined
}

/** Reads tiers [from, end) in order; the hit is backfilled into every tier above it unless the flight was forgotten. */
export async function readThrough(
  tiers: readonly Tier[],
  from: number,
  key: string,
  now: () => number,
  flight: Flight,
): Promise<ReadResult> {
  let grace: CacheEntry | undefined
  let graceTier: Tier | undefined
  for (let i = from; i < tiers.length; i++) {
    const tier = tiers[i] as Tier
    const read = tier.read(key)
    const entry = read instanceof Promise ? await read : read
    if (entry === undefined) continue
    const at = now()
    if (at < entry.expiresAt) {
      // An invalidation during the read forgets the flight: its older entry must not be written back.
      if (i > 0 && !flight.forgotten) writeTiers(tiers, key, entry, at, i)
      return { entry, tier, grace, graceTier }
    }
    if (grace === undefined && at < entry.graceUntil) {
      grace = entry
      graceTier = tier
    }
  }
  return { entry: undefined, tier: undefined, grace, graceTier }
}
