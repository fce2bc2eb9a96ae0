// The one way through the tiers, used by swr, get, refreshes, the fleet's waiters and swrMany: tiers are asked in
// order, the first live entry wins and is backfilled into every tier above it, and the first entry within grace is
// remembered. Tag stamps and a call's schema are checked here, so no read path can skip them. Synchronous tiers
// answer in place: a fresh hit in memory makes no await.

import { CacheValidationError } from './errors.js'
import { Singleflight } from './singleflight.js'
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
  /**
   * The newest entry (by `createdAt`) past `expiresAt` (or expired by a tag) but within `graceUntil`, from any tier
   * the scan read: served if a load fails.
   */
  grace: CacheEntry | undefined
  graceIndex: number
}

/** Where a scan reads. */
export interface ScanRange {
  /** The first tier to read. Default 0. */
  from?: number
  /** One past the last tier to read. Default: every tier. */
  to?: number
  /** The load or read the scan serves: its hit is not backfilled once an invalidation superseded it. */
  flight?: Superseded | undefined
  /** Checks values read from tiers that are not local. */
  schema?: StandardSchemaV1 | undefined
  /** Many keys are scanned in this tick (swrMany), so each tier reads them as one getMany. */
  batch?: boolean
}

export const NOTHING_FOUND: Found = Object.freeze({
  entry: undefined,
  index: -1,
  grace: undefined,
  graceIndex: -1,
}) as Found

/** Whether a scan's result may still be written back: false once an invalidation superseded it. */
export interface Superseded {
  readonly forgotten: boolean
}

/** A scan for has(): its hit is never backfilled. */
const NO_BACKFILL: Superseded = { forgotten: true }

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
  /** Reads of the tiers below the synchronous ones, shared by the concurrent callers of a key. */
  readonly #reads = new Singleflight<Found>()

  constructor(tiers: readonly Tier[], stamps: TagStamps, host: ReadHost) {
    this.#tiers = tiers
    this.#stamps = stamps
    this.#host = host
  }

  /**
   * The hot path: the nearest tier's entry when it answers synchronously with a fresh entry that no tag stamp
   * invalidated (its stamps known); otherwise undefined and the caller scans. Allocates nothing.
   */
  freshNearest(key: string, now: number, schema: StandardSchemaV1 | undefined): CacheEntry | undefined {
    const tier = this.#tiers[0] as Tier
    // A synchronous tier that is shared (not local) holds values no schema has checked yet.
    if (tier.sync !== true || (schema !== undefined && !tier.local)) return undefined
    const entry = tier.read(key) as CacheEntry | undefined
    if (entry === undefined || now >= entry.freshUntil) return undefined
    // A tagged entry stays on this path while its tags' stamps are known: the verdict is then synchronous.
    return entry.tags === undefined || this.#stamps.verdict(entry) === LIVE ? entry : undefined
  }

  /**
   * Reads tiers [from, to) for `key`. Synchronous while the tiers and stamps answer synchronously. The hit is
   * backfilled into tiers [0, index) unless the range's `flight` was superseded meanwhile.
   */
  scan(key: string, range: ScanRange = {}): MaybePromise<Found> {
    const found: Found = { entry: undefined, index: -1, grace: undefined, graceIndex: -1 }
    return this.#walk(
      found,
      key,
      range.from ?? 0,
      range.to ?? this.#tiers.length,
      range.flight,
      range.schema,
      range.batch === true,
    )
  }

  /**
   * Whether some tier holds a live entry for `key` (tag stamps checked, the first entry with now < expiresAt wins).
   * The scan counts as superseded, so that its hit is not written into the tiers above. A failing tier is a miss.
   */
  has(key: string): Promise<boolean> {
    const found = this.scan(key, { flight: NO_BACKFILL })
    return found instanceof Promise
      ? found.then((scan) => scan.entry !== undefined)
      : Promise.resolve(found.entry !== undefined)
  }

  /**
   * One scan of every tier for a call: the synchronous tiers answer in place, and the tiers below are read once for
   * all concurrent callers of the key. A tier counts as synchronous until it answers with a promise, so the first
   * call on a new cache takes the path every later call takes.
   */
  find(key: string, schema: StandardSchemaV1 | undefined): MaybePromise<Found> {
    return this.#find(key, schema, false)
  }

  /** `find` for one of many keys scanned in this tick (swrMany): each tier reads them as one getMany. */
  findInBatch(key: string, schema: StandardSchemaV1 | undefined): MaybePromise<Found> {
    return this.#find(key, schema, true)
  }

  #find(key: string, schema: StandardSchemaV1 | undefined, batch: boolean): MaybePromise<Found> {
    const tiers = this.#tiers
    let syncEnd = 0
    while (syncEnd < tiers.length && (tiers[syncEnd] as Tier).sync !== false) syncEnd++
    // No synchronous tier on top (Redis alone): straight to the shared read.
    if (syncEnd === 0) return this.#findBelow(key, schema, NOTHING_FOUND, 0, batch)
    const near = this.scan(key, { to: syncEnd, schema, batch })
    if (syncEnd === tiers.length) return near
    if (!(near instanceof Promise))
      return near.entry !== undefined ? near : this.#findBelow(key, schema, near, syncEnd, batch)
    return near.then((found) =>
      found.entry !== undefined ? found : this.#findBelow(key, schema, found, syncEnd, batch),
    )
  }

  /** Supersedes the shared reads of `key` running now: their result is not backfilled, nobody joins them. */
  forget(key: string): void {
    this.#reads.forget(key)
  }

  forgetAll(): void {
    this.#reads.forgetAll()
  }

  #findBelow(
    key: string,
    schema: StandardSchemaV1 | undefined,
    near: Found,
    from: number,
    batch: boolean,
  ): Promise<Found> {
    // A call with a schema reads alone: its validation (and transformation) is its own.
    const below =
      schema === undefined
        ? this.#reads.do(key, (flight) => this.scan(key, { from, flight, batch }))
        : Promise.resolve(this.scan(key, { from, schema, batch }))
    const nearGrace = near.grace
    if (nearGrace === undefined) return below
    // The newer of the two fallbacks wins.
    return below.then((far) => {
      if (far.entry !== undefined || far.grace === undefined || far.grace.createdAt < nearGrace.createdAt)
        return { ...far, grace: nearGrace, graceIndex: near.graceIndex }
      return far
    })
  }

  #walk(
    found: Found,
    key: string,
    from: number,
    to: number,
    flight: Superseded | undefined,
    schema: StandardSchemaV1 | undefined,
    batch: boolean,
  ): MaybePromise<Found> {
    for (let i = from; i < to; i++) {
      const read = (this.#tiers[i] as Tier).read(key, batch)
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
        return step.then((done) =>
          done === DONE ? found : this.#walk(found, key, next, to, flight, schema, batch),
        )
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
      if (index > 0 && flight?.forgotten !== true) writeTiers(this.#tiers, key, entry, now, { to: index })
      found.entry = entry
      found.index = index
      return DONE
    }
    // An entry expired by a tag is a fallback only if it was written with a grace period (staleIfError), as expire().
    // Among fallbacks the newest wins: an expired copy kept in memory after another process wrote a newer value
    // must not hide that value in a tier below.
    if (
      (found.grace === undefined || entry.createdAt > found.grace.createdAt) &&
      now < entry.graceUntil &&
      (verdict === LIVE || entry.graceUntil > entry.expiresAt)
    ) {
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
