// The one way through the tiers, used by swr, get, refreshes, the fleet's waiters and swrMany: tiers are asked in
// order, the first live entry wins and is backfilled into every tier above it, and the first entry within grace is
// remembered. Tag stamps and a call's schema are checked here, so no read path can skip them. Synchronous tiers
// answer in place: a fresh hit in memory makes no await.

import { CacheValidationError } from './errors.js'
import type { StandardSchemaV1 } from './standard-schema.js'
import { DELETED, LIVE, type TagStamps, type Verdict } from './tag-stamps.js'
import type { Tier } from './tier.js'
import type { CacheEntry, MaybePromise } from './types.js'
import { writeTiers } from './write-path.js'

/** What a scan found. Fresh for each scan, so nothing a caller holds is shared with another call. */
export interface Found {
  /** The first entry with `now < expiresAt` (and not expired by a tag), or undefined. */
  entry: CacheEntry | undefined
  /** The tier it came from, or -1. */
  index: number
  /** The first entry past `expiresAt` (or expired by a tag) but within `graceUntil`: served if a load fails. */
  grace: CacheEntry | undefined
  graceIndex: number
}

/** Whether a scan's result may still be written back: false once an invalidation superseded it. */
export interface Superseded {
  readonly forgotten: boolean
}

export interface ReadHost {
  now(): number
  report(error: unknown, tier: string, key: string): void
}

const DONE = 1
const NEXT = 2
type Step = typeof DONE | typeof NEXT

export class ReadPath {
  readonly #tiers: readonly Tier[]
  readonly #stamps: TagStamps
  readonly #host: ReadHost

  constructor(tiers: readonly Tier[], stamps: TagStamps, host: ReadHost) {
    this.#tiers = tiers
    this.#stamps = stamps
    this.#host = host
  }

  /**
   * The hot path: the nearest tier's entry when it answers synchronously with a fresh, untagged entry; otherwise
   * undefined and the caller scans. Allocates nothing.
   */
  freshNearest(key: string, now: number, schema: StandardSchemaV1 | undefined): CacheEntry | undefined {
    const tier = this.#tiers[0] as Tier
    if (tier.sync !== true || (schema !== undefined && !tier.local)) return undefined
    const entry = tier.read(key) as CacheEntry | undefined
    return entry !== undefined && entry.tags === undefined && now < entry.freshUntil ? entry : undefined
  }

  /**
   * Reads tiers [from, to) for `key`. Synchronous while the tiers and stamps answer synchronously. `schema` checks
   * values from tiers that are not local. The hit is backfilled into tiers [0, index) unless `flight` was
   * superseded meanwhile.
   */
  scan(
    key: string,
    from: number,
    flight?: Superseded,
    schema?: StandardSchemaV1,
    to = this.#tiers.length,
  ): MaybePromise<Found> {
    const found: Found = { entry: undefined, index: -1, grace: undefined, graceIndex: -1 }
    return this.#walk(found, key, from, to, flight, schema)
  }

  #walk(
    found: Found,
    key: string,
    from: number,
    to: number,
    flight: Superseded | undefined,
    schema: StandardSchemaV1 | undefined,
  ): MaybePromise<Found> {
    for (let i = from; i < to; i++) {
      const read = (this.#tiers[i] as Tier).read(key)
      const step =
        read instanceof Promise
          ? read.then((entry) =>
              entry === undefined ? NEXT : this.#consider(found, key, i, entry, flight, schema),
            )
          : read === undefined
            ? NEXT
            : this.#consider(found, key, i, read, flight, schema)
      if (step === DONE) return found
      if (step !== NEXT) {
        const next = i + 1
        return step.then((done) => (done === DONE ? found : this.#walk(found, key, next, to, flight, schema)))
      }
    }
    return found
  }

  #consider(
    found: Found,
    key: string,
    index: number,
    entry: CacheEntry,
    flight: Superseded | undefined,
    schema: StandardSchemaV1 | undefined,
  ): MaybePromise<Step> {
    // Untagged entries pay one field read; a tagged one compares its createdAt with its tags' stamps.
    const verdict = entry.tags === undefined ? LIVE : this.#stamps.verdict(entry)
    if (verdict instanceof Promise) {
      return verdict.then((known) => this.#checked(found, key, index, entry, known, flight, schema))
    }
    return this.#checked(found, key, index, entry, verdict, flight, schema)
  }

  #checked(
    found: Found,
    key: string,
    index: number,
    entry: CacheEntry,
    verdict: Verdict,
    flight: Superseded | undefined,
    schema: StandardSchemaV1 | undefined,
  ): MaybePromise<Step> {
    if (verdict === DELETED) return NEXT
    const tier = this.#tiers[index] as Tier
    if (schema !== undefined && !tier.local) {
      const checked = this.#validate(entry, schema, key, tier)
      if (checked instanceof Promise) {
        return checked.then((valid) =>
          valid === undefined ? NEXT : this.#settle(found, key, index, valid, verdict, flight),
        )
      }
      if (checked === undefined) return NEXT
      return this.#settle(found, key, index, checked, verdict, flight)
    }
    return this.#settle(found, key, index, entry, verdict, flight)
  }

  #settle(
    found: Found,
    key: string,
    index: number,
    entry: CacheEntry,
    verdict: Verdict,
    flight: Superseded | undefined,
  ): Step {
    const now = this.#host.now()
    if (verdict === LIVE && now < entry.expiresAt) {
      // An invalidation during the read supersedes it: its older entry must not be written back.
      if (index > 0 && flight?.forgotten !== true) writeTiers(this.#tiers, key, entry, now, index)
      found.entry = entry
      found.index = index
      return DONE
    }
    if (found.grace === undefined && now < entry.graceUntil) {
      found.grace = verdict === LIVE ? entry : { ...entry, freshUntil: now, expiresAt: now }
      found.graceIndex = index
    }
    return NEXT
  }

  /** The entry with its validated (perhaps transformed) value, or undefined when the value fails the schema. */
  #validate(
    entry: CacheEntry,
    schema: StandardSchemaV1,
    key: string,
    tier: Tier,
  ): MaybePromise<CacheEntry | undefined> {
    let result: MaybePromise<StandardSchemaV1.Result<unknown>>
    try {
      result = schema['~standard'].validate(entry.value)
    } catch (error) {
      this.#host.report(error, tier.name, key)
      return undefined
    }
    const judge = (outcome: StandardSchemaV1.Result<unknown>): CacheEntry | undefined => {
      if (outcome.issues !== undefined) {
        this.#host.report(new CacheValidationError(key, tier.name, outcome.issues), tier.name, key)
        return undefined
      }
      return outcome.value === entry.value ? entry : { ...entry, value: outcome.value }
    }
    return result instanceof Promise
      ? result.then(judge, (error: unknown) => {
          this.#host.report(error, tier.name, key)
          return undefined
        })
      : judge(result)
  }
}
