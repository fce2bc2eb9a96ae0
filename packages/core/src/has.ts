// cache.has(key): whether a live entry exists in any tier. The read path's own scan (tag stamps checked, the first
// entry with now < expiresAt wins), told that its result must not be written back: no backfill, no load, no stats.

import type { ReadPath, Superseded } from './read-path.js'

/** A scan whose flight counts as superseded never writes its hit into the tiers above. */
const NO_BACKFILL: Superseded = { forgotten: true }

/** True when some tier holds a live entry for `key`; a failing tier counts as a miss (and is reported). */
export function hasLive(reader: ReadPath, key: string): Promise<boolean> {
  const found = reader.scan(key, 0, NO_BACKFILL)
  return found instanceof Promise
    ? found.then((scan) => scan.entry !== undefined)
    : Promise.resolve(found.entry !== undefined)
}
