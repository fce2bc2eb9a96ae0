// How long an entry is fresh, alive and kept for grace: resolved from a call's options over the cache's defaults.

import { toMs } from './duration.js'
import type { CacheEntry, EntryOptions } from './types.js'

export interface EntryPolicy {
  ttl: number
  fresh: number
  grace: number
}

/** The cache-wide defaults, plus whether `defaultFresh` was given (otherwise fresh follows each call's ttl). */
export interface PolicyDefaults extends EntryPolicy {
  freshGiven: boolean
}

/**
 * The policy for one call. Returns `defaults` itself when the call sets no duration, else fills `out`,
 * so the hot path allocates nothing. A bad duration is a RangeError.
 */
export function resolvePolicy(
  options: EntryOptions,
  defaults: PolicyDefaults,
  out: EntryPolicy,
): EntryPolicy {
  const { ttl: ttlOption, fresh: freshOption, staleIfError } = options
  if (ttlOption === undefined && freshOption === undefined && staleIfError === undefined) return defaults
  const ttl = ttlOption === undefined ? defaults.ttl : toMs(ttlOption, 'ttl')
  if (ttl <= 0) throw new RangeError(`ttl must be greater than 0, got ${ttl}ms`)
  let fresh: number
  if (freshOption !== undefined) {
    fresh = toMs(freshOption, 'fresh')
    if (fresh > ttl) throw new RangeError(`fresh (${fresh}ms) must not be longer than ttl (${ttl}ms)`)
  } else {
    // An explicit defaultFresh never outlives a shorter per-call ttl; without one, fresh is the ttl.
    fresh = defaults.freshGiven ? Math.min(defaults.fresh, ttl) : ttl
  }
  out.ttl = ttl
  out.fresh = fresh
  out.grace = staleIfError === undefined ? defaults.grace : toMs(staleIfError, 'staleIfError')
  return out
}

export function policyDefaults(ttl: unknown, fresh: unknown, staleIfError: unknown): PolicyDefaults {
  const ttlMs = ttl === undefined ? 300_000 : toMs(ttl, 'defaultTtl')
  if (ttlMs <= 0) throw new RangeError(`defaultTtl must be greater than 0, got ${ttlMs}ms`)
  const freshMs = fresh === undefined ? ttlMs : toMs(fresh, 'defaultFresh')
  if (freshMs > ttlMs)
    throw new RangeError(`defaultFresh (${freshMs}ms) must not be longer than defaultTtl (${ttlMs}ms)`)
  const grace = staleIfError === undefined ? 0 : toMs(staleIfError, 'defaultStaleIfError')
  return { ttl: ttlMs, fresh: freshMs, grace, freshGiven: fresh !== undefined }
}

export function copyPolicy(policy: EntryPolicy): EntryPolicy {
  return { ttl: policy.ttl, fresh: policy.fresh, grace: policy.grace }
}

export function makeEntry<T>(value: T, policy: EntryPolicy, now: number): CacheEntry<T> {
  const expiresAt = now + policy.ttl
  return {
    value,
    createdAt: now,
    freshUntil: now + policy.fresh,
    expiresAt,
    graceUntil: expiresAt + policy.grace,
  }
}
