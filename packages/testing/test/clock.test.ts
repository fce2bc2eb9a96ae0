import { describe, expect, it } from 'vitest'
import { createClock } from '../src/index.js'

describe('createClock', () => {
  it('starts at the given instant, or a fixed default', () => {
    expect(createClock().now()).toBe(1_700_000_000_000)
    expect(createClock(5).now()).toBe(5)
  })

  it('advances and sets time only when told', () => {
    const clock = createClock(1_000)
    const { now } = clock
    expect(clock.advance(250)).toBe(1_250)
    expect(now()).toBe(1_250)
    expect(clock.set(10)).toBe(10)
    expect(now()).toBe(10)
  })

  it('rejects a negative or non-finite step', () => {
    const clock = createClock(0)
    expect(() => clock.advance(-1)).toThrow(RangeError)
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError)
    expect(() => clock.set(Number.POSITIVE_INFINITY)).toThrow(RangeError)
    expect(clock.now()).toBe(0)
  })
})
