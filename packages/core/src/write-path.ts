// Writes and invalidations across every tier in parallel: writes report failures, invalidations reject with them.

import type { CacheStoreError } from './errors.js'
import { storeTtlMs } from './forever.js'
import type { Tier } from './tier.js'
import type { CacheEntry, MaybePromise } from './types.js'

/**
 * Writes `entry` to tiers [0, to) with its remaining lifetime in whole milliseconds. Returns a promise only when a
 * tier is asynchronous, resolving once every tier has settled; it never rejects. With `waitForFailing` false, a
 * write to a tier whose last call failed still goes out but is not waited for, so that a hung tier costs a load at
 * most one timeout (its read), not two.
 */
export function writeTiers(
  tiers: readonly Tier[],
  key: string,
  entry: CacheEntry,
  now: number,
  to = tiers.length,
  waitForFailing = true,
): undefined | Promise<unknown> {
  const ttlMs = storeTtlMs(entry.graceUntil, now)
  if (!(ttlMs >= 1)) return undefined
  let pending: Promise<unknown>[] | undefined
  for (let i = 0; i < to; i++) {
    const tier = tiers[i] as Tier
    const failing = tier.failing
    const written = tier.write(key, entry, ttlMs)
    if (!(written instanceof Promise) || (failing && !waitForFailing)) continue
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
  run: (tier: Tier) => MaybePromise<CacheStoreError | undefined>,
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
