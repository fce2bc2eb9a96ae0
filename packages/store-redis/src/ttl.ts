// Turns the engine's ttlMs into the whole number Redis takes: PX milliseconds, or EX seconds (useIntegerForTtl).

/** Milliseconds (PX) or seconds (EX), rounded up so that an entry never leaves Redis before its ttl. */
export function expiryAmount(ttlMs: number, inSeconds: boolean): number {
  if (!(ttlMs > 0) || ttlMs === Number.POSITIVE_INFINITY) {
    throw new RangeError(`ttlMs must be a finite number of milliseconds > 0, got ${ttlMs}`)
  }
  return inSeconds ? Math.ceil(ttlMs / 1_000) : Math.ceil(ttlMs)
}
