// Writes and invalidations across every tier in parallel: writes report failures, invalidations reject with them.

import type { CacheStoreError } from './errors.js'
import type { Tier } from './tier.js'
import type { CacheEntry } from './types.js'

/**
 * Writes `entry` to tiers [from, to) with its remaining lifetime. Returns a promise only when a tier is
 * asynchronous, resolving once every tier has settled; it never rejects.
 */
export function writeTiers(
  tiers: readonly Tier[],
  key: string,
  entry: CacheEntry,
  now: number,
  from = 0,
  to = tiers.length,
): undefined | Promise<unknown> {
  const ttlMs = entry.graceUntil - now
  if (!(ttlMs > 0)) return undefined
  let pending: Promise<unknown>[] | undefined
  for (let i = from; i < to; i++) {
    const written = (tiers[i] as Tier).write(key, entry, ttlMs)
    if (written === undefined) continue
    if (pending === undefined) pending = [written]
    else pending.push(written)
  }
  if (pending === undefined) return undefined
  return pending.length === 1 ? pending[0] : Promise.all(pending)
}

/** Runs an invalidation on every tier and rejects with an AggregateError naming each tier that failed. */
export async function invalidateTiers(
  tiers: readonly Tier[],
  what: string,
  run: (tier: Tier) => CacheStoreError | undefined | Promise<CacheStoreError | undefined>,
): Promise<void> {
  const outcomes = await Promise.all(tiers.map(run))
  const failures = outcomes.filter((outcome): outcome is CacheStoreError => outcome !== undefined)
  if (failures.length === 0) return
  const names = failures.map((failure) => `"${failure.tier}"`).join(', ')
  throw new AggregateError(
    failures,
    `${what} failed on tier ${names}; stale data may remain there, so retry once the tier is healthy`,
  )
}
