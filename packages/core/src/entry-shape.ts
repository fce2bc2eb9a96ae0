// Whether something a store decoded is a CacheEntry the engine can trust: shared by every store that
// deserialises bytes, so that all of them accept and refuse the same shapes.

import type { CacheEntry } from './types.js'

/** True when `candidate` is an object with an own `value` and four finite timestamps. */
export function isCacheEntry(candidate: unknown): candidate is CacheEntry {
  if (candidate === null || typeof candidate !== 'object' || Array.isArray(candidate)) return false
  const entry = candidate as Record<string, unknown>
  return (
    Object.hasOwn(entry, 'value') &&
    Number.isFinite(entry.createdAt) &&
    Number.isFinite(entry.freshUntil) &&
    Number.isFinite(entry.expiresAt) &&
    Number.isFinite(entry.graceUntil)
  )
}

/** Why `candidate` is not a CacheEntry, for an error message; undefined when it is one. */
export function cacheEntryProblem(candidate: unknown): string | undefined {
  if (isCacheEntry(candidate)) return undefined
  if (candidate === null) return 'expected an entry object, got null'
  if (Array.isArray(candidate)) return 'expected an entry object, got an array'
  if (typeof candidate !== 'object') return `expected an entry object, got ${typeof candidate}`
  const entry = candidate as Record<string, unknown>
  if (!Object.hasOwn(entry, 'value')) return 'the entry has no value'
  for (const field of ['createdAt', 'freshUntil', 'expiresAt', 'graceUntil']) {
    if (!Number.isFinite(entry[field])) return `the entry's ${field} is not a finite number`
  }
  return 'the entry is malformed'
}
