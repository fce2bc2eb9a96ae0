// Durations: milliseconds or '250ms' / '2s' / '5m' / '1h' / '7d', checked once and remembered.

import type { Duration } from './types.js'

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const PATTERN = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d)$/
const MAX_REMEMBERED = 256
const remembered = new Map<string, number>()

/** Milliseconds in `d`. A negative, NaN, infinite or unparsable duration is a RangeError. */
export function parseDuration(d: Duration): number {
  return toMs(d, 'duration')
}

/** As parseDuration, naming the option in the error. Strings are parsed once: the hot path looks them up. */
export function toMs(d: unknown, option: string): number {
  if (typeof d === 'number') {
    if (d >= 0 && d !== Number.POSITIVE_INFINITY) return d
    throw new RangeError(`${option} must be a finite number of milliseconds >= 0, got ${String(d)}`)
  }
  if (typeof d === 'string') {
    const known = remembered.get(d)
    if (known !== undefined) return known
    const match = PATTERN.exec(d)
    if (match !== null) {
      const ms = Number(match[1]) * (UNITS[match[2] as string] as number)
      if (Number.isFinite(ms)) {
        if (remembered.size >= MAX_REMEMBERED) remembered.clear()
        remembered.set(d, ms)
        return ms
      }
    }
    throw new RangeError(
      `${option} must be milliseconds or a string like '250ms', '2s', '5m', '1h', '7d', got ${JSON.stringify(d)}`,
    )
  }
  throw new RangeError(`${option} must be a number of milliseconds or a duration string, got ${typeof d}`)
}
