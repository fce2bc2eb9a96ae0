// The one check every store makes before it writes: tiered never caches undefined (a loader's undefined means
// "nothing to cache"), and a store that was handed one refuses it the way it refuses any value it cannot encode.

import { CacheSerializationError } from './errors.js'
import type { CacheEntry } from './types.js'

/** Throws CacheSerializationError (code `TIERED_SERIALIZATION`) when `entry` holds no value to store. */
export function assertStorable(key: string, entry: CacheEntry): void {
  if (entry?.value === undefined) {
    throw new CacheSerializationError(
      `the value under "${key}" is undefined, which is never cached (a loader's undefined means nothing to cache)`,
      key,
    )
  }
}
