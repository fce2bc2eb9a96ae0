// Next's tag manifest, kept in the TieredCache so every process shares it: one record per tag, `{ stale, expired }`
// in epoch ms, with the rules of Next's own `tags-manifest.external.js`:
// - an entry made at `t` is expired when a tag's `expired` is in the past and later than `t`;
// - it is stale when a tag's `stale` is later than `t`.
// `revalidateTag(tags)` (and `updateTag`, `revalidatePath`) sets `expired = now`; with a profile's durations it sets
// `stale = now` and `expired = now + expire`. A record is one key, so invalidating a tag is O(1) in the number of
// entries; a set publishes on the app's bus, so every process drops its copy of the record at once.

import { toKey } from '@tiered/core'
import type { SharedCache } from './shared-cache.js'

export interface TagRecord {
  readonly stale?: number
  readonly expired?: number
}

export type TagState = 'fresh' | 'stale' | 'expired'

const NONE: TagRecord = Object.freeze({})
/** A process that read a tag's record just before another process wrote it may write "no record" back over it (a
 *  window of one bus delivery); the writer writes its record again after this long to close that window. */
const REASSERT_MS = 250

export class TagBook {
  constructor(
    private readonly shared: SharedCache,
    private readonly recordTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** How `tags` judge an entry made at `createdAt`. */
  async state(tags: readonly string[], createdAt: number): Promise<TagState> {
    if (tags.length === 0) return 'fresh'
    const records = await Promise.all(unique(tags).map((tag) => this.record(tag)))
    const now = this.now()
    let state: TagState = 'fresh'
    for (const { stale, expired } of records) {
      if (expired !== undefined && expired <= now && expired > createdAt) return 'expired'
      if (stale !== undefined && stale > createdAt) state = 'stale'
    }
    return state
  }

  /** The latest time any of `tags` expired (0: never), as `'use cache'`'s `getExpiration` reports it. */
  async expiration(tags: readonly string[]): Promise<number> {
    const records = await Promise.all(unique(tags).map((tag) => this.record(tag)))
    return Math.max(0, ...records.map((record) => record.expired ?? 0))
  }

  /** Next's `revalidateTag(tags, durations?)`: expired now, or with `durations.expire` (seconds) stale now and
   *  expired after it. */
  async update(tags: readonly string[], durations?: { expire?: number }): Promise<void> {
    const now = this.now()
    const writes = unique(tags).map(async (tag) => {
      const previous = await this.record(tag)
      const next: TagRecord =
        durations === undefined
          ? { ...previous, expired: now }
          : {
              ...previous,
              stale: now,
              ...(durations.expire === undefined ? {} : { expired: now + durations.expire * 1000 }),
            }
      await this.write(tag, next)
      setTimeout(() => void this.write(tag, next), REASSERT_MS).unref?.()
    })
    await Promise.all(writes)
  }

  private record(tag: string): Promise<TagRecord> {
    return this.shared.read<TagRecord>(recordKey(tag), () => NONE, this.recordTtlMs)
  }

  private write(tag: string, record: TagRecord): Promise<void> {
    return this.shared.set(recordKey(tag), record, { ttl: this.recordTtlMs })
  }
}

function recordKey(tag: string): string {
  return toKey(['next', 'tag', tag])
}

function unique(tags: readonly string[]): string[] {
  return tags.length < 2 ? [...tags] : [...new Set(tags)]
}

/** Tags as Next passes them: a string, a list, or nothing. */
export function tagList(tags: unknown): string[] {
  if (typeof tags === 'string') return [tags]
  if (Array.isArray(tags)) return tags.filter((tag): tag is string => typeof tag === 'string')
  return []
}
