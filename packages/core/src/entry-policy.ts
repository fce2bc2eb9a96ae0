// How long an entry is fresh, alive and kept for grace, and which tags it carries: resolved from a call's options
// over the cache's defaults, once per call, into an object nobody mutates afterwards.

import { toMs } from './duration.js'
import { instantAfter, lifetimeMs } from './forever.js'
import type { CacheEntry, EntryOptions, LoadOptions } from './types.js'

export interface EntryPolicy {
  readonly ttl: number
  readonly fresh: number
  readonly grace: number
  readonly tags: readonly string[] | undefined
}

/** The cache-wide defaults, plus whether `defaultFresh` was given (otherwise fresh follows each call's ttl). */
export interface PolicyDefaults extends EntryPolicy {
  readonly freshGiven: boolean
  /** How long a tag stamp lives; a tagged entry's lifetime with grace is capped at it. */
  readonly tagTtl: number
}

type Level<T> = Map<unknown, T>
const MAX_REMEMBERED = 256

/**
 * Resolves each call's policy against one cache's defaults. Calls that repeat the same durations (the usual case)
 * share one frozen policy, found by three Map lookups: the hot path neither parses nor allocates, and no call can
 * change another's policy.
 */
export class Policies {
  readonly defaults: PolicyDefaults
  #remembered: Level<Level<Level<EntryPolicy>>> = new Map()
  #last: { ttl: unknown; fresh: unknown; staleIfError: unknown; policy: EntryPolicy } | undefined = undefined
  #size = 0

  constructor(defaults: PolicyDefaults) {
    this.defaults = defaults
  }

  /** The policy for one call: `defaults` itself when the call sets nothing. A bad duration is a RangeError. */
  resolve(options: EntryOptions): EntryPolicy {
    const { ttl, fresh, staleIfError, tags } = options
    if (tags !== undefined) return resolvePolicy(options, this.defaults)
    if (ttl === undefined && fresh === undefined && staleIfError === undefined) return this.defaults
    // A loop of calls usually repeats the same durations: three comparisons find them.
    const last = this.#last
    if (last !== undefined && last.ttl === ttl && last.fresh === fresh && last.staleIfError === staleIfError)
      return last.policy
    const policy = this.#lookUp(ttl, fresh, staleIfError, options)
    this.#last = { ttl, fresh, staleIfError, policy }
    return policy
  }

  #lookUp(ttl: unknown, fresh: unknown, staleIfError: unknown, options: EntryOptions): EntryPolicy {
    let byFresh = this.#remembered.get(ttl)
    let byGrace = byFresh?.get(fresh)
    const known = byGrace?.get(staleIfError)
    if (known !== undefined) return known
    const policy = Object.freeze(resolvePolicy(options, this.defaults))
    if (this.#size >= MAX_REMEMBERED) {
      this.#remembered = new Map()
      this.#size = 0
      byFresh = undefined
      byGrace = undefined
    }
    if (byFresh === undefined) {
      byFresh = new Map()
      this.#remembered.set(ttl, byFresh)
    }
    if (byGrace === undefined) {
      byGrace = new Map()
      byFresh.set(fresh, byGrace)
    }
    byGrace.set(staleIfError, policy)
    this.#size++
    return policy
  }
}

/** The policy for one call: `defaults` itself when the call sets nothing. A bad duration is a RangeError. */
function resolvePolicy(options: EntryOptions, defaults: PolicyDefaults): EntryPolicy {
  const { ttl: ttlOption, fresh: freshOption, staleIfError, tags } = options
  if (
    ttlOption === undefined &&
    freshOption === undefined &&
    staleIfError === undefined &&
    tags === undefined
  )
    return defaults
  const ttl = ttlOption === undefined ? defaults.ttl : lifetimeMs(ttlOption, 'ttl')
  if (ttl <= 0) throw new RangeError(`ttl must be greater than 0, got ${ttl}ms`)
  let fresh: number
  if (freshOption !== undefined) {
    fresh = lifetimeMs(freshOption, 'fresh')
    if (fresh > ttl) throw new RangeError(`fresh (${fresh}ms) must not be longer than ttl (${ttl}ms)`)
  } else {
    // An explicit defaultFresh never outlives a shorter per-call ttl; without one, fresh is the ttl.
    fresh = defaults.freshGiven ? Math.min(defaults.fresh, ttl) : ttl
  }
  return {
    ttl,
    fresh,
    grace: staleIfError === undefined ? defaults.grace : lifetimeMs(staleIfError, 'staleIfError'),
    tags: tags === undefined ? undefined : checkTags(tags, defaults.tags),
  }
}

/**
 * The policy once queryFn chose its own lifetime with setOptions. A ttl shorter than the call's fresh shortens
 * fresh with it; tags chosen there join the call's.
 */
export function withChosen(policy: EntryPolicy, chosen: LoadOptions, defaults: PolicyDefaults): EntryPolicy {
  const ttl = chosen.ttl === undefined ? policy.ttl : lifetimeMs(chosen.ttl, 'setOptions ttl')
  if (ttl <= 0) throw new RangeError(`setOptions ttl must be greater than 0, got ${ttl}ms`)
  let fresh =
    chosen.fresh === undefined ? Math.min(policy.fresh, ttl) : lifetimeMs(chosen.fresh, 'setOptions fresh')
  if (fresh > ttl) fresh = ttl
  const grace =
    chosen.staleIfError === undefined
      ? policy.grace
      : lifetimeMs(chosen.staleIfError, 'setOptions staleIfError')
  const tags = chosen.tags === undefined ? policy.tags : checkTags(chosen.tags, policy.tags ?? defaults.tags)
  return { ttl, fresh, grace, tags }
}

/** Checks a setOptions call at once, so that a bad duration fails inside queryFn where its author can see it. */
export function checkChosen(chosen: LoadOptions): void {
  const ttl = chosen.ttl === undefined ? undefined : lifetimeMs(chosen.ttl, 'setOptions ttl')
  if (ttl !== undefined && ttl <= 0) throw new RangeError('setOptions ttl must be greater than 0')
  if (chosen.fresh !== undefined) {
    const fresh = lifetimeMs(chosen.fresh, 'setOptions fresh')
    // A fresh longer than the call's ttl is cut to it; one longer than a ttl set in the same call is a mistake.
    if (ttl !== undefined && fresh > ttl)
      throw new RangeError(`setOptions fresh (${fresh}ms) must not be longer than its ttl (${ttl}ms)`)
  }
  if (chosen.staleIfError !== undefined) lifetimeMs(chosen.staleIfError, 'setOptions staleIfError')
  if (chosen.tags !== undefined) checkTags(chosen.tags, undefined)
}

/** Tags are non-empty strings; `more` (a namespace's implicit tags) join them. */
export function checkTags(tags: unknown, more: readonly string[] | undefined): readonly string[] | undefined {
  if (!Array.isArray(tags)) throw new TypeError(`tags must be an array of strings, got ${typeof tags}`)
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag.length === 0)
      throw new TypeError(`every tag must be a non-empty string, got ${JSON.stringify(tag)}`)
  }
  if (more === undefined || more.length === 0) return tags.length === 0 ? undefined : tags
  return tags.length === 0 ? more : [...new Set([...tags, ...more])]
}

export function policyDefaults(
  ttl: unknown,
  fresh: unknown,
  staleIfError: unknown,
  tagTtl: unknown,
): PolicyDefaults {
  const ttlMs = ttl === undefined ? 300_000 : lifetimeMs(ttl, 'defaultTtl')
  if (ttlMs <= 0) throw new RangeError(`defaultTtl must be greater than 0, got ${ttlMs}ms`)
  const freshMs = fresh === undefined ? ttlMs : lifetimeMs(fresh, 'defaultFresh')
  if (freshMs > ttlMs)
    throw new RangeError(`defaultFresh (${freshMs}ms) must not be longer than defaultTtl (${ttlMs}ms)`)
  const grace = staleIfError === undefined ? 0 : lifetimeMs(staleIfError, 'defaultStaleIfError')
  const tagTtlMs = tagTtl === undefined ? 86_400_000 : toMs(tagTtl, 'tagTtl')
  if (tagTtlMs <= 0) throw new RangeError(`tagTtl must be greater than 0, got ${tagTtlMs}ms`)
  return {
    ttl: ttlMs,
    fresh: freshMs,
    grace,
    tags: undefined,
    freshGiven: fresh !== undefined,
    tagTtl: tagTtlMs,
  }
}

/**
 * The entry for `value`. `createdAt` is when the value was produced (a load's start, so that an invalidation during
 * the load wins over it); its instants count from `now`. A tagged entry never outlives `tagTtl` (with grace), so
 * no tag stamp expires before an entry it invalidated.
 */
export function makeEntry<T>(
  value: T,
  policy: EntryPolicy,
  createdAt: number,
  now: number,
  tagTtl: number,
): CacheEntry<T> {
  // An infinite lifetime (ttl: Infinity) ends at FOREVER, a finite instant every entry format keeps.
  let freshUntil = instantAfter(now, policy.fresh)
  let expiresAt = instantAfter(now, policy.ttl)
  let graceUntil = instantAfter(expiresAt, policy.grace)
  const tags = policy.tags
  if (tags === undefined) return { value, createdAt, freshUntil, expiresAt, graceUntil }
  const cap = createdAt + tagTtl
  if (graceUntil > cap) {
    graceUntil = cap
    if (expiresAt > cap) expiresAt = cap
    if (freshUntil > cap) freshUntil = cap
  }
  return { value, createdAt, freshUntil, expiresAt, graceUntil, tags }
}

/** A copy of `entry` that is expired from `now` on and kept for grace as before. */
export function expiredCopy(entry: CacheEntry, now: number): CacheEntry {
  return {
    ...entry,
    freshUntil: Math.min(entry.freshUntil, now),
    expiresAt: Math.min(entry.expiresAt, now),
  }
}
