// A manual clock for tests: pass `clock.now` as TieredCache's `now` option and move time
// with `advance`/`set` instead of sleeping.

export interface ManualClock {
  /** The current time in epoch ms; a bound function, safe to pass around on its own. */
  now: () => number
  /** Moves time forward by `ms` (>= 0) and returns the new time. */
  advance(ms: number): number
  /** Jumps to the epoch ms `ms`, forwards or backwards, and returns it. */
  set(ms: number): number
}

function assertFinite(value: number, what: string): void {
  if (!Number.isFinite(value)) throw new RangeError(`${what} must be a finite number of ms, got ${value}`)
}

export function createClock(start = 1_700_000_000_000): ManualClock {
  assertFinite(start, 'start')
  let current = start
  return {
    now: () => current,
    advance(ms) {
      assertFinite(ms, 'advance')
      if (ms < 0) throw new RangeError(`advance must be >= 0, got ${ms}; use set() to go back in time`)
      current += ms
      return current
    },
    set(ms) {
      assertFinite(ms, 'set')
      current = ms
      return current
    },
  }
}
