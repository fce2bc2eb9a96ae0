// Entries that never expire (`ttl: Infinity`): how an infinite lifetime is accepted, written into an entry and
// handed to a store. An entry's instants stay finite numbers (FOREVER), so JSON, v8 and any store's own format carry
// them unchanged; only the ttl a store is given says "no expiry", as Infinity.

import { toMs } from './duration.js'

/**
 * The instant of a forever entry's `freshUntil`, `expiresAt` or `graceUntil`: the largest epoch ms a `Date` holds
 * (year 275760). Every instant at or past it is "never". A finite number, so every entry format keeps it as it is.
 */
export const FOREVER = 8_640_000_000_000_000

/** A lifetime option in ms: as any duration, or `Infinity` (never). Negative, NaN and `-Infinity` are RangeErrors. */
export function lifetimeMs(d: unknown, option: string): number {
  return d === Number.POSITIVE_INFINITY ? d : toMs(d, option)
}

/** `now + ms`, held at FOREVER: an infinite (or absurdly long) lifetime ends never. */
export function instantAfter(now: number, ms: number): number {
  return Math.min(now + ms, FOREVER)
}

/** The ttl a store is given for an entry kept until `graceUntil`: whole ms, or Infinity for a forever entry. */
export function storeTtlMs(graceUntil: number, now: number): number {
  return graceUntil >= FOREVER ? Number.POSITIVE_INFINITY : Math.ceil(graceUntil - now)
}
