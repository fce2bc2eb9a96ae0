import { describe, expect, it } from 'vitest'
import { cacheEntryProblem, isCacheEntry } from '../src/index.js'

const good = { value: null, createdAt: 1, freshUntil: 2, expiresAt: 3, graceUntil: 4 }

describe('isCacheEntry and cacheEntryProblem', () => {
  it('accept an entry, whatever its value', () => {
    for (const value of [null, 0, false, '', [], {}, 'x']) {
      expect(isCacheEntry({ ...good, value })).toBe(true)
      expect(cacheEntryProblem({ ...good, value })).toBeUndefined()
    }
  })

  it.each([
    [null, /null/],
    [[good], /array/],
    ['text', /string/],
    [{ createdAt: 1, freshUntil: 2, expiresAt: 3, graceUntil: 4 }, /no value/],
    [{ ...good, expiresAt: '3' }, /expiresAt/],
    [{ ...good, graceUntil: Number.NaN }, /graceUntil/],
    [{ ...good, createdAt: Number.POSITIVE_INFINITY }, /createdAt/],
    [
      Object.assign(Object.create({ value: 1 }), {
        createdAt: 1,
        freshUntil: 2,
        expiresAt: 3,
        graceUntil: 4,
      }),
      /no value/,
    ],
  ])('refuse %j and say why', (candidate, why) => {
    expect(isCacheEntry(candidate)).toBe(false)
    expect(cacheEntryProblem(candidate)).toMatch(why)
  })
})
