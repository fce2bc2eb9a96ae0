// Property tests: key order never matters, distinct values never share a text, the text is
// JSON.stringify's apart from key order, and array keys escaped as core escapes them never collide.
import { types } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { stableStringify } from '../src/stable-stringify.js'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

// Object.fromEntries defines own properties, so a '__proto__' key stays data, as JSON.parse keeps it
const objectOf = (entries: [string, unknown][]): Record<string, unknown> => Object.fromEntries(entries)

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A copy of `value` in which every object lists its keys in another order, picked by `seed`. */
function reorderKeys(value: unknown, seed: number): unknown {
  let state = seed >>> 0 || 1
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state
  }
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit)
    if (!isRecord(node)) return node
    const entries = Object.entries(node)
    for (let i = entries.length - 1; i > 0; i--) {
      const j = next() % (i + 1)
      ;[entries[i], entries[j]] = [entries[j]!, entries[i]!]
    }
    return objectOf(entries.map(([key, child]) => [key, visit(child)]))
  }
  return visit(value)
}

/** Deep equality of JSON values that ignores key order; written without stableStringify. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]))
    )
  }
  if (!isRecord(a) || !isRecord(b)) return false
  const keys = Object.keys(a)
  return (
    keys.length === Object.keys(b).length &&
    keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]))
  )
}

const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

// Few distinct leaves and keys, so that independently drawn values are often equal, or nearly.
const { smallJson } = fc.letrec<{ smallJson: Json }>((tie) => ({
  smallJson: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<Json>(null, true, false, 0, -0, 1, '', 'a', 'a"', '1'),
    fc.array(tie('smallJson'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', '__proto__'), tie('smallJson'), { maxKeys: 3 }),
  ),
}))

describe('key order', () => {
  it('never changes the text of a dictionary', () => {
    const shuffled = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 12 }).chain((dictionary) => {
      const keys = Object.keys(dictionary)
      return fc.tuple(
        fc.constant(dictionary),
        fc.shuffledSubarray(keys, { minLength: keys.length, maxLength: keys.length }),
      )
    })
    fc.assert(
      fc.property(shuffled, ([dictionary, order]) => {
        const reordered = objectOf(order.map((key) => [key, dictionary[key]]))
        expect(stableStringify(reordered)).toBe(stableStringify(dictionary))
      }),
    )
  })

  it('never changes the text at any depth', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, seed) => {
        expect(stableStringify(reorderKeys(value, seed))).toBe(stableStringify(value))
      }),
    )
  })
})

describe('distinct values', () => {
  it('share a text exactly when they are the same JSON value', () => {
    const pairs = fc.oneof(
      fc.tuple(fc.jsonValue(), fc.jsonValue()),
      fc.tuple(smallJson, smallJson),
      fc.tuple(smallJson, fc.nat()).map(([value, seed]) => [value, reorderKeys(value, seed)] as const),
    )
    fc.assert(
      fc.property(pairs, ([a, b]) => {
        expect(stableStringify(a) === stableStringify(b)).toBe(sameJson(roundTrip(a), roundTrip(b)))
      }),
      { numRuns: 500 },
    )
  })
})

describe('agreement with JSON.stringify', () => {
  it('parses back to what JSON.stringify parses back to', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(stableStringify(value))).toEqual(JSON.parse(JSON.stringify(value)))
      }),
    )
  })

  // Exact text, over far more than JSON values: NaN, -0, undefined, functions, symbols, Dates,
  // boxed primitives, Map, Set, sparse arrays, null prototypes, lone surrogates and toJSON.
  // The oracle is JSON.stringify with a replacer that re-creates each object with sorted keys;
  // keys that look like array indices are left out because a plain object always lists those
  // first, in numeric order (test/stable-stringify.test.ts covers them).
  it('is the text of JSON.stringify with keys sorted', () => {
    const key = fc.string({ unit: 'binary', maxLength: 4 }).filter((text) => !/^(?:0|[1-9]\d*)$/.test(text))
    const leaf = fc.oneof(
      fc.boolean(),
      fc.integer(),
      fc.double(),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e21, 5e-324),
      fc.string({ unit: 'binary' }),
      fc.constantFrom(null, undefined, () => 1, Symbol('s')),
      fc
        .oneof(fc.object({ key, maxDepth: 2 }), fc.double(), fc.constant(undefined))
        .map((result) => ({ toJSON: () => result })),
    )
    const anything = fc.anything({
      key,
      values: [leaf],
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withSparseArray: true,
    })
    const sortKeys = (_key: string, value: unknown): unknown => {
      if (
        typeof value !== 'object' ||
        value === null ||
        Array.isArray(value) ||
        types.isBoxedPrimitive(value)
      ) {
        return value
      }
      const record = value as Record<string, unknown>
      return objectOf(
        Object.keys(record)
          .sort()
          .map((name) => [name, record[name]]),
      )
    }
    fc.assert(
      fc.property(anything, (value) => {
        const expected: string | undefined = JSON.stringify(value, sortKeys)
        if (expected === undefined) expect(() => stableStringify(value)).toThrow(TypeError)
        else expect(stableStringify(value)).toBe(expected)
      }),
      { numRuns: 500 },
    )
  })
})

// @tiered/core joins array keys with this rule; core's own tests cover core's function. This
// reference states the rule so the property below can show the rule itself is collision-free.
const joinKey = (parts: readonly (string | number | boolean)[]): string =>
  parts.map((part) => String(part).replaceAll('%', '%25').replaceAll(':', '%3A')).join(':')

// Undoes joinKey; that it exists at all is what proves joinKey injective.
const splitKey = (key: string): string[] =>
  key.split(':').map((part) => part.replace(/%(25|3A)/g, (sequence) => (sequence === '%25' ? '%' : ':')))

describe('array key escaping (the rule of @tiered/core)', () => {
  const part = fc.string({ unit: fc.constantFrom('a', ':', '%', '2', '5', '3', 'A'), maxLength: 6 })
  const parts = fc.array(part, { minLength: 1, maxLength: 4 })

  it('keeps the classic collisions apart', () => {
    const cases: string[][] = [
      ['a:b'],
      ['a', 'b'],
      ['a%3Ab'],
      ['a%253Ab'],
      ['a%', '3Ab'],
      ['a%3A', 'b'],
      [':'],
      ['%3A'],
      ['%'],
      ['%25'],
      ['%2', '5'],
      [''],
      ['', ''],
      [':', ''],
      ['', ':'],
    ]
    const keys = cases.map(joinKey)
    expect(new Set(keys).size).toBe(cases.length)
    expect(joinKey(['a:b'])).toBe('a%3Ab')
    expect(joinKey(['a', 'b'])).toBe('a:b')
    expect(joinKey(['%3A'])).toBe('%253A')
    for (const [index, key] of keys.entries()) expect(splitKey(key)).toEqual(cases[index])
  })

  it('gives distinct arrays of strings distinct keys', () => {
    const pairs = fc.oneof(
      fc.tuple(parts, parts),
      // the collision of the Go library: the same characters, split at different colons
      parts.map((a) => [a, a.join(':').split(':')] as const),
    )
    fc.assert(
      fc.property(pairs, ([a, b]) => {
        const sameParts = a.length === b.length && a.every((text, index) => text === b[index])
        expect(joinKey(a) === joinKey(b)).toBe(sameParts)
      }),
      { numRuns: 1000 },
    )
  })

  it('can always be undone, so no two arrays share a key', () => {
    fc.assert(
      fc.property(parts, (a) => {
        expect(splitKey(joinKey(a))).toEqual(a)
      }),
    )
  })

  it('needs at least one part: the empty array and [""] would both join to ""', () => {
    expect(joinKey([])).toBe(joinKey(['']))
  })
})
