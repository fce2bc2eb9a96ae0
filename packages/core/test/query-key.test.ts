import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toKey } from '../src/index.js'

describe('toKey', () => {
  it('keeps a string key as it is', () => {
    expect(toKey('user:1')).toBe('user:1')
  })

  it('joins array parts with ":"', () => {
    expect(toKey(['user', 1, true])).toBe('user:1:true')
  })

  it('escapes ":" and "%" inside a part so that parts never run together', () => {
    expect(toKey(['a:b'])).toBe('a%3Ab')
    expect(toKey(['a', 'b'])).toBe('a:b')
    expect(toKey(['100%'])).toBe('100%25')
    expect(toKey(['%3A'])).toBe('%253A')
    expect(toKey(['a:b'])).not.toBe(toKey(['a', 'b']))
  })

  it('rejects an empty array and an empty string with a RangeError', () => {
    expect(() => toKey([])).toThrow(RangeError)
    expect(() => toKey('')).toThrow(RangeError)
  })

  it('rejects parts that are not strings, numbers or booleans with a TypeError', () => {
    expect(() => toKey([{}] as never)).toThrow(TypeError)
    expect(() => toKey([null] as never)).toThrow(/null/)
    expect(() => toKey(42 as never)).toThrow(TypeError)
  })

  it('is injective over arrays of strings', () => {
    const part = fc.string({ unit: fc.constantFrom('a', ':', '%', '3', 'A', '2', '5') })
    const parts = fc.array(part, { minLength: 1, maxLength: 5 })
    fc.assert(
      fc.property(parts, parts, (a, b) => {
        const same = a.length === b.length && a.every((p, i) => p === b[i])
        return (toKey(a) === toKey(b)) === same
      }),
      { numRuns: 2_000 },
    )
  })
})
