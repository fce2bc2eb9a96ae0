// Turns the engine's ttlMs into the whole number Redis takes: PX milliseconds, or EX seconds (useIntegerForTtl).

/** The amount of a write with no expiry (ttlMs Infinity: a forever entry): a plain SET, no PX or EX. */
const NO_EXPIRY = 0

/**
 * Milliseconds (PX) or seconds (EX), rounded up so that an entry never leaves Redis before its ttl; NO_EXPIRY for
 * Infinity.
 */
export function expiryAmount(ttlMs: number, inSeconds: boolean): number {
  if (ttlMs === Number.POSITIVE_INFINITY) return NO_EXPIRY
  if (!(ttlMs > 0)) {
    throw new RangeError(`ttlMs must be a number of milliseconds > 0 (or Infinity: no expiry), got ${ttlMs}`)
  }
  return inSeconds ? Math.ceil(ttlMs / 1_000) : Math.ceil(ttlMs)
}
