// Tag invalidation in O(1): one stamp per tag, kept under a reserved key in the shared tiers and cached here. A
// tagged entry made no later than its tag's hard stamp is a miss; no later than its soft stamp, it is expired.

import type { Tier } from './tier.js'
import type { CacheEntry } from './types.js'
import { invalidateTiers } from './write-path.js'

export const LIVE = 0
export const EXPIRED = 1
export const DELETED = 2
export type Verdict = typeof LIVE | typeof EXPIRED | typeof DELETED

interface Stamp {
  hard: number
  soft: number
}

interface Known extends Stamp {
  /** performance.now() of the last read from the tiers; -Infinity once dropped. */
  checkedAt: number
}

const STAMP_PREFIX = '__tiered:tag:'
const MAX_KNOWN = 10_000

export function stampKey(tag: string): string {
  return STAMP_PREFIX + tag
}

export interface TagStampsHost {
  now(): number
  readonly tagTtl: number
}

export class TagStamps {
  /** Where stamps live: the shared tiers, or every tier when all are local. */
  readonly #tiers: readonly Tier[]
  readonly #host: TagStampsHost
  /** How long a stamp read from the tiers is trusted: 1 s without a bus; with one, until a notice drops it. */
  readonly #trustMs: number
  /** The newest stamp this process knows per tag: it never goes backwards. */
  readonly #known = new Map<string, Known>()
  readonly #reading = new Map<string, Promise<void>>()

  constructor(tiers: readonly Tier[], host: TagStampsHost, withBus: boolean) {
    const shared = tiers.filter((tier) => !tier.local)
    this.#tiers = shared.length === 0 ? tiers : shared
    this.#host = host
    this.#trustMs = shared.length === 0 ? Number.POSITIVE_INFINITY : withBus ? host.tagTtl : 1_000
  }

  /** Whether a tagged entry is live, expired or deleted; a promise when a stamp must be read first. */
  verdict(entry: CacheEntry): Verdict | Promise<Verdict> {
    const tags = entry.tags as readonly string[]
    const at = performance.now()
    let missing: string[] | undefined
    for (const tag of tags) {
      const known = this.#known.get(tag)
      if (known !== undefined && at - known.checkedAt < this.#trustMs) continue
      if (missing === undefined) missing = [tag]
      else missing.push(tag)
    }
    if (missing === undefined) return this.#judge(entry, tags)
    return Promise.all(missing.map((tag) => this.#read(tag))).then(() => this.#judge(entry, tags))
  }

  /** Writes a new stamp for each tag (hard for deleteByTag, soft for expireByTag); rejects naming failed tiers. */
  async invalidate(tags: readonly string[], hard: boolean): Promise<void> {
    // A soft stamp keeps the hard one: read it first when it is not known well.
    if (!hard) await Promise.all(tags.map((tag) => this.#readIfUntrusted(tag)))
    const now = this.#host.now()
    const ttl = this.#host.tagTtl
    const writes: { tag: string; entry: CacheEntry }[] = []
    for (const tag of tags) {
      const known = this.#known.get(tag)
      const stamp: Stamp = hard
        ? { hard: now, soft: Math.max(now, known?.soft ?? 0) }
        : { hard: known?.hard ?? 0, soft: now }
      this.#learn(tag, stamp, performance.now())
      writes.push({
        tag,
        entry: {
          value: stamp,
          createdAt: now,
          freshUntil: now + ttl,
          expiresAt: now + ttl,
          graceUntil: now + ttl,
        },
      })
    }
    await invalidateTiers(
      this.#tiers,
      `${hard ? 'deleteByTag' : 'expireByTag'} of ${tags.join(', ')}`,
      (tier) => {
        const outcomes = writes.map(({ tag, entry }) => tier.write(stampKey(tag), entry, ttl, true))
        return Promise.all(outcomes).then((all) => all.find((outcome) => outcome !== undefined))
      },
    )
  }

  /** Another process changed these tags: read their stamps again before trusting them. */
  drop(tags: readonly string[]): void {
    for (const tag of tags) {
      const known = this.#known.get(tag)
      if (known !== undefined) known.checkedAt = Number.NEGATIVE_INFINITY
    }
  }

  dropAll(): void {
    for (const known of this.#known.values()) known.checkedAt = Number.NEGATIVE_INFINITY
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
    if (known !== undefined && performance.now() - known.checkedAt < this.#trustMs) return undefined
    return this.#read(tag)
  }

  /** Reads a tag's stamp from the first stamp tier that has it; concurrent reads of one tag share one. */
  #read(tag: string): Promise<void> {
    const running = this.#reading.get(tag)
    if (running !== undefined) return running
    const checkedAt = performance.now()
    const read = this.#readTiers(stampKey(tag), 0).then((entry) => {
      this.#reading.delete(tag)
      const value = entry?.value as Partial<Stamp> | undefined
      const stamp: Stamp = {
        hard: typeof value?.hard === 'number' ? value.hard : 0,
        soft: typeof value?.soft === 'number' ? value.soft : 0,
      }
      this.#learn(tag, stamp, checkedAt)
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

  #learn(tag: string, stamp: Stamp, checkedAt: number): void {
    const known = this.#known.get(tag)
    if (known === undefined) {
      if (this.#known.size >= MAX_KNOWN) {
        // The oldest tag learned is read again when next needed: forgetting a stamp costs a read, never a miss.
        const oldest = this.#known.keys().next().value as string
        this.#known.delete(oldest)
      }
      this.#known.set(tag, { hard: stamp.hard, soft: stamp.soft, checkedAt })
      return
    }
    known.hard = Math.max(known.hard, stamp.hard)
    known.soft = Math.max(known.soft, stamp.soft)
    known.checkedAt = checkedAt
  }
}
