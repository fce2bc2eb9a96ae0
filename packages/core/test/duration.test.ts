import { describe, expect, it } from 'vitest'
import { parseDuration } from '../src/index.js'

describe('parseDuration', () => {
  it.each([
    [0, 0],
    [250, 250],
    [1.5, 1.5],
    ['250ms', 250],
    ['2s', 2_000],
    ['1.5s', 1_500],
    ['.5s', 500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
    ['0s', 0],
  ] as const)('reads %j as %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms)
  })

  it.each([
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    '-1s',
    '1',
    '',
    ' 1s',
    '1 s',
    '1S',
    '1w',
    'abc',
    '1e3ms',
    'Infinitys',
  ])('rejects %j with a RangeError', (input) => {
    expect(() => parseDuration(input as never)).toThrow(RangeError)
  })

  it('rejects values that are not durations at all with a RangeError that names the type', () => {
    expect(() => parseDuration(null as never)).toThrow(/object/)
    expect(() => parseDuration({} as never)).toThrow(RangeError)
  })

  it('gives the same answer for a string it has seen before', () => {
    expect(parseDuration('42s')).toBe(42_000)
    expect(parseDuration('42s')).toBe(42_000)
  })
})
