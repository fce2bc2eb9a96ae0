// Tag invalidation in O(1): one stamp per tag, kept under a reserved key in the shared tiers and cached here. A
// tagged entry made no later than its tag's hard stamp is a miss; no later than its soft stamp, it is expired.

import type { CacheStoreError } from './errors.js'
import type { Tier } from './tier.js'
import type { CacheEntry } from './types.js'
import { invalidateTiers } from './write-path.js'

export const LIVE = 0
const EXPIRED = 1
export const DELETED = 2
export type Verdict = typeof LIVE | typeof EXPIRED | typeof DELETED

interface Stamp {
  hard: number
  soft: number
}

interface Known extends Stamp {
  /** The trust period in which it was last read from the tiers (see #period); -1 once dropped. */
  period: number
}

const STAMP_PREFIX = '__tiered:tag:'
const MAX_KNOWN = 10_000

function stampKey(tag: string): string {
  return STAMP_PREFIX + tag
}

export interface TagStampsHost {
  now(): number
  readonly tagTtl: number
  /** A stamp whose first write failed has landed since: other processes must read it again. */
  landed?(tags: readonly string[]): void
}

/** A stamp write that failed is tried again after this, doubling up to RETRY_MAX_MS, for at most tagTtl. */
const RETRY_FIRST_MS = 100
const RETRY_MAX_MS = 5_000

export class TagStamps {
  /** Where stamps live: the shared tiers, or every tier when all are local. */
  readonly #tiers: readonly Tier[]
  readonly #host: TagStampsHost
  /** How long a stamp read from the tiers is trusted: 1 s without a bus; with one, until a notice drops it. */
  readonly #trustMs: number
  /**
   * Stamps read in the current period are trusted; a timer starts a new period every trustMs (only without a bus,
   * and only once a tag is used), so that checking trust on a hit costs a field comparison, not a clock read.
   */
  #period = 0
  #ticker: ReturnType<typeof setInterval> | undefined = undefined
  /** The newest stamp this process knows per tag: it never goes backwards. */
  readonly #known = new Map<string, Known>()
  readonly #reading = new Map<string, Promise<void>>()
  /** Tags whose stamp changed elsewhere while a read of it was running: that read may predate the change. */
  readonly #changedWhileRead = new Set<string>()
  /** The newest stamp this process wrote, and the newest createdAt it handed out: see created(). */
  #lastStamp = 0
  #lastCreated = 0
  /** Stamps that some tier failed to take, per tier, written again in the background until they land. */
  readonly #pending = new Map<Tier, Set<string>>()
  #retryTimer: ReturnType<typeof setTimeout> | undefined = undefined
  #retryDelay = RETRY_FIRST_MS
  #retryUntil = 0
  #closed = false

  constructor(tiers: readonly Tier[], host: TagStampsHost, withBus: boolean) {
    const shared = tiers.filter((tier) => !tier.local)
    this.#tiers = shared.length === 0 ? tiers : shared
    this.#host = host
    // Memory only: nobody else writes stamps. With a bus: trusted until a notice (or a gap) drops them.
    this.#trustMs = shared.length === 0 || withBus ? Number.POSITIVE_INFINITY : 1_000
  }

  /** Whether a tagged entry is live, expired or deleted; a promise when a stamp must be read first. */
  verdict(entry: CacheEntry): Verdict | Promise<Verdict> {
    const tags = entry.tags as readonly string[]
    const period = this.#period
    let verdict: Verdict = LIVE
    let missing: string[] | undefined
    // One pass: a known hard stamp decides at once (stamps only move forward); an unknown tag must be read first.
    for (const tag of tags) {
      const known = this.#known.get(tag)
      if (known === undefined || known.period !== period) {
        if (missing === undefined) missing = [tag]
        else missing.push(tag)
        continue
      }
      if (entry.createdAt <= known.hard) return DELETED
      if (entry.createdAt <= known.soft) verdict = EXPIRED
    }
    if (missing === undefined) return verdict
    return Promise.all(missing.map((tag) => this.#read(tag))).then(() => this.#judge(entry, tags))
  }

  /**
   * The createdAt of an entry made (or a load started) at `now`. Within one process, an entry made after an
   * invalidation must outlive it even in the same millisecond, and a later invalidation must cover it: createdAt
   * steps past the last stamp written here, and the next stamp is no earlier than the last createdAt handed out.
   */
  created(now: number): number {
    const at = now > this.#lastStamp ? now : this.#lastStamp + 1
    if (at > this.#lastCreated) this.#lastCreated = at
    return at
  }

  /**
   * Writes a new stamp for each tag (hard for deleteByTag, soft for expireByTag); rejects naming failed tiers.
   * A tier that failed gets the stamp again in the background until it lands (for at most tagTtl), and other
   * processes are told once it has.
   */
  async invalidate(tags: readonly string[], hard: boolean): Promise<void> {
    // A soft stamp keeps the hard one: read it first when it is not known well.
    if (!hard) await Promise.all(tags.map((tag) => this.#readIfUntrusted(tag)))
    const now = Math.max(this.#host.now(), this.#lastCreated)
    if (now > this.#lastStamp) this.#lastStamp = now
    const ttl = this.#host.tagTtl
    for (const tag of tags) {
      const known = this.#known.get(tag)
      const stamp: Stamp = hard
        ? { hard: now, soft: Math.max(now, known?.soft ?? 0) }
        : { hard: known?.hard ?? 0, soft: now }
      this.#learn(tag, stamp, this.#period)
    }
    await invalidateTiers(
      this.#tiers,
      `${hard ? 'deleteByTag' : 'expireByTag'} of ${tags.join(', ')}`,
      (tier) => {
        const outcomes = tags.map((tag) => {
          const note = (failure: CacheStoreError | undefined) => {
            if (failure === undefined) this.#pending.get(tier)?.delete(tag)
            else this.#retryLater(tier, tag)
            return failure
          }
          const written = tier.write(stampKey(tag), this.#stampEntry(tag), ttl, true)
          return written instanceof Promise ? written.then(note) : note(written)
        })
        return Promise.all(outcomes).then((all) => all.find((outcome) => outcome !== undefined))
      },
    )
  }

  /** Stops the background retries. */
  close(): void {
    this.#closed = true
    if (this.#ticker !== undefined) clearInterval(this.#ticker)
    this.#ticker = undefined
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    this.#pending.clear()
  }

  /** The stamp entry of a tag as this process knows it (the newest it wrote or read). */
  #stampEntry(tag: string): CacheEntry {
    const known = this.#known.get(tag)
    const now = this.#host.now()
    const ttl = this.#host.tagTtl
    return {
      value: { hard: known?.hard ?? 0, soft: known?.soft ?? 0 },
      createdAt: now,
      freshUntil: now + ttl,
      expiresAt: now + ttl,
      graceUntil: now + ttl,
    }
  }

  #retryLater(tier: Tier, tag: string): void {
    if (this.#closed) return
    let tags = this.#pending.get(tier)
    if (tags === undefined) {
      tags = new Set()
      this.#pending.set(tier, tags)
    }
    tags.add(tag)
    this.#retryUntil = performance.now() + this.#host.tagTtl
    this.#retryDelay = RETRY_FIRST_MS
    this.#schedule()
  }

  #schedule(): void {
    if (this.#closed || this.#retryTimer !== undefined || this.#pending.size === 0) return
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      void this.#retry()
    }, this.#retryDelay)
    this.#retryTimer.unref?.()
  }

  /** One round of writing the stamps that have not landed yet; never rejects. */
  async #retry(): Promise<void> {
    const landed = new Set<string>()
    for (const [tier, tags] of [...this.#pending]) {
      for (const tag of [...tags]) {
        if (this.#closed) return
        // Keep a newer stamp another process wrote meanwhile: write the newest of both.
        const there = (await tier.read(stampKey(tag)))?.value as Partial<Stamp> | undefined
        const known = this.#known.get(tag)
        if (known !== undefined) {
          if (typeof there?.hard === 'number' && there.hard > known.hard) known.hard = there.hard
          if (typeof there?.soft === 'number' && there.soft > known.soft) known.soft = there.soft
        }
        const failure = await tier.write(stampKey(tag), this.#stampEntry(tag), this.#host.tagTtl, true)
        if (failure !== undefined) break
        tags.delete(tag)
        landed.add(tag)
      }
      if (tags.size === 0) this.#pending.delete(tier)
    }
    if (this.#closed) return
    if (landed.size > 0) this.#host.landed?.([...landed])
    if (this.#pending.size === 0) return
    // Past tagTtl every entry a stamp could invalidate has expired: the stamp is no longer needed.
    if (performance.now() >= this.#retryUntil) {
      this.#pending.clear()
      return
    }
    this.#retryDelay = Math.min(this.#retryDelay * 2, RETRY_MAX_MS)
    this.#schedule()
  }

  /** Another process changed these tags: read their stamps again before trusting them. */
  drop(tags: readonly string[]): void {
    for (const tag of tags) {
      const known = this.#known.get(tag)
      if (known !== undefined) known.period = -1
      if (this.#reading.has(tag)) this.#changedWhileRead.add(tag)
    }
  }

  dropAll(): void {
    for (const known of this.#known.values()) known.period = -1
    for (const tag of this.#reading.keys()) this.#changedWhileRead.add(tag)
  }

  #judge(entry: CacheEntry, tags: readonly string[]): Verdict {
    let verdict: Verdict = LIVE
    for (const tag of tags) {
      const known = this.#known.get(tag) as Known | undefined
      if (known === undefined) continue
      if (entry.createdAt <= known.hard) return DELETED
      if (entry.createdAt <= known.soft) verdict = EXPIRED
    }
    return verdict
  }

  #readIfUntrusted(tag: string): Promise<void> | undefined {
    const known = this.#known.get(tag)
    if (known !== undefined && known.period === this.#period) return undefined
    return this.#read(tag)
  }

  /** Reads a tag's stamp from the first stamp tier that has it; concurrent reads of one tag share one. */
  #read(tag: string): Promise<void> {
    const running = this.#reading.get(tag)
    if (running !== undefined) return running
    // A period that ends during the read leaves the stamp untrusted: it is never trusted for longer than trustMs.
    const period = this.#period
    const read = this.#readTiers(stampKey(tag), 0).then((entry) => {
      this.#reading.delete(tag)
      const value = entry?.value as Partial<Stamp> | undefined
      const stamp: Stamp = {
        hard: typeof value?.hard === 'number' ? value.hard : 0,
        soft: typeof value?.soft === 'number' ? value.soft : 0,
      }
      // Nothing read from a tier that is failing proves no stamp: judge with what is known, and read again next time.
      // A read that a notice overtook may have missed the change: use it now, but read again next time.
      const overtaken = this.#changedWhileRead.delete(tag)
      const unsure = overtaken || (entry === undefined && this.#tiers.some((tier) => tier.failing))
      this.#learn(tag, stamp, unsure ? -1 : period)
    })
    this.#reading.set(tag, read)
    return read
  }

  async #readTiers(key: string, from: number): Promise<CacheEntry | undefined> {
    for (let i = from; i < this.#tiers.length; i++) {
      const entry = await (this.#tiers[i] as Tier).read(key)
      if (entry !== undefined) return entry
    }
    return undefined
  }

  #learn(tag: string, stamp: Stamp, period: number): void {
    if (this.#ticker === undefined && this.#trustMs !== Number.POSITIVE_INFINITY && !this.#closed) {
      this.#ticker = setInterval(() => {
        this.#period++
      }, this.#trustMs)
      this.#ticker.unref?.()
    }
    const known = this.#known.get(tag)
    if (known === undefined) {
      if (this.#known.size >= MAX_KNOWN) {
        // The oldest tag learned is read again when next needed: forgetting a stamp costs a read, never a miss.
        const oldest = this.#known.keys().next().value as string
        this.#known.delete(oldest)
      }
      this.#known.set(tag, { hard: stamp.hard, soft: stamp.soft, period })
      return
    }
    known.hard = Math.max(known.hard, stamp.hard)
    known.soft = Math.max(known.soft, stamp.soft)
    known.period = period
  }
}
