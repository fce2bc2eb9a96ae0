// Turns what Keyv hands back (its `{ value, expires }` record) into a CacheEntry, or a CacheSerializationError
// when the bytes under a key are not one: a miss that the engine reports, never a crash or a bad value.

import { type CacheEntry, CacheSerializationError, cacheEntryProblem, isCacheEntry } from '@tiered/core'

/** The entry inside a record Keyv returned (undefined stays a miss); throws for anything that is not one. */
export function entryFromRecord(record: unknown, key: string): CacheEntry | undefined {
  if (record === undefined || record === null) return undefined
  const candidate =
    typeof record === 'object' && Object.hasOwn(record, 'value')
      ? (record as { value: unknown }).value
      : record
  if (isCacheEntry(candidate)) return candidate
  throw new CacheSerializationError(
    `the value Keyv holds under "${key}" is not a tiered cache entry (${cacheEntryProblem(candidate)}), ` +
      "so it is treated as a miss; make sure nothing else writes to this Keyv's namespace",
    key,
  )
}

/**
 * Keyv's deserializer (JSON.parse by default) throws a SyntaxError on bytes that do not parse; that is a bad
 * value, not a failing backend, so it becomes a CacheSerializationError. Every other error passes unchanged.
 */
export function asSerializationError(error: unknown, key: string | undefined): unknown {
  if (!(error instanceof SyntaxError)) return error
  const where = key === undefined ? 'one of the keys read' : `"${key}"`
  return new CacheSerializationError(
    `Keyv could not deserialize the value under ${where} (${error.message}), so it is treated as a miss; ` +
      "make sure nothing else writes to this Keyv's namespace",
    key,
    error,
  )
}
