// Writes and invalidations across every tier in parallel: writes report failures, invalidations reject with them.

import { expiredCopy } from './entry-policy.js'
import { CacheStoreError } from './errors.js'
import { storeTtlMs } from './forever.js'
import type { LeaseHandoff, Tier } from './tier.js'
import type { CacheEntry, MaybePromise } from './types.js'

export interface WriteRange {
  /** One past the last tier to write (a backfill writes the tiers above the one that answered). Default: all. */
  to?: number
  /**
   * Default true. False: a write to a tier whose last call failed still goes out but is not waited for, so that a
   * hung tier costs a load at most one timeout (its read), not two.
   */
  waitForFailing?: boolean
  /** A lease to end with the write to the first shared tier (else released once the writes went out). */
  handoff?: LeaseHandoff
}

/**
 * Writes `entry` to tiers [0, to) with its remaining lifetime in whole milliseconds. Returns a promise only when a
 * tier is asynchronous, resolving once every tier has settled; it never rejects.
 */
export function writeTiers(
  tiers: readonly Tier[],
  key: string,
  entry: CacheEntry,
  now: number,
  range?: WriteRange,
): undefined | Promise<unknown> {
  const ttlMs = storeTtlMs(entry.graceUntil, now)
  let handoff = range?.handoff
  if (!(ttlMs >= 1)) {
    if (handoff !== undefined) process.nextTick(handoff.release)
    return undefined
  }
  const to = range?.to ?? tiers.length
  const waitForFailing = range?.waitForFailing !== false
  let pending: Promise<unknown>[] | undefined
  for (let i = 0; i < to; i++) {
    const tier = tiers[i] as Tier
    const failing = tier.failing
    const mine = tier.local ? undefined : handoff
    if (mine !== undefined) handoff = undefined
    const written = tier.write(key, entry, ttlMs, false, mine)
    if (!(written instanceof Promise) || (failing && !waitForFailing)) continue
    if (pending === undefined) pending = [written]
    else pending.push(written)
  }
  // No shared tier took the lease: it ends once the writes went out.
  if (handoff !== undefined) process.nextTick(handoff.release)
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

export interface ExpireHow {
  /** The cache's clock. */
  now(): number
  /** An expire() call: an entry written without a grace period is removed (it has no fallback to offer). */
  soft: boolean
  /** A failure counts (and an entry that could not be read is a failure): an invalidation the caller waits for. */
  strict: boolean
  /** False once a newer call for the key superseded this one while the entry was read. */
  current?: () => boolean
}

/**
 * Rewrites the entry under `key` in `tier` as expired, kept for grace; removes it when its grace is over, and, for
 * an expire() (`soft`), when it was written without a grace period.
 */
export function expireIn(tier: Tier, key: string, how: ExpireHow): MaybePromise<CacheStoreError | undefined> {
  const expire = (entry: CacheEntry | undefined) => {
    if (entry === undefined) {
      // A read that failed hides the entry, not its removal: an expire that could not look is a failed one.
      if (!how.strict || !tier.failing) return undefined
      return new CacheStoreError(tier.name, 'set', key, new Error('the entry could not be read to expire it'))
    }
    // Superseded while the entry was read: a newer call's write or removal is already queued after the read.
    if (how.current !== undefined && !how.current()) return undefined
    const now = how.now()
    if (now >= entry.graceUntil || (how.soft && entry.graceUntil <= entry.expiresAt)) return tier.delete(key)
    return tier.write(key, expiredCopy(entry, now), storeTtlMs(entry.graceUntil, now), how.strict)
  }
  const entry = tier.read(key)
  return entry instanceof Promise ? entry.then(expire) : expire(entry)
}
