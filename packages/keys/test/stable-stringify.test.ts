// Unit tests for stableStringify: key order, every JSON.stringify rule it keeps, and its errors.
import { describe, expect, it } from 'vitest'
import { stableStringify } from '../src/stable-stringify.js'

describe('key order', () => {
  it('gives the same text whatever order the keys were written in', () => {
    expect(stableStringify({ a: 1, b: 2 })).toBe('{"a":1,"b":2}')
    expect(stableStringify({ b: 2, a: 1 })).toBe('{"a":1,"b":2}')
  })

  it('sorts at every depth, inside arrays too', () => {
    const value = { z: { y: [{ d: 4, c: 3 }], x: 1 }, a: [{ b: { f: 6, e: 5 } }] }
    expect(stableStringify(value)).toBe('{"a":[{"b":{"e":5,"f":6}}],"z":{"x":1,"y":[{"c":3,"d":4}]}}')
  })

  it('sorts by UTF-16 code unit, integer-like keys included', () => {
    const value = { b: 1, a: 2, B: 3, _: 4, é: 5, '10': 6, '2': 7, '': 8, '😀': 9, ｚ: 10 }
    // '😀' is the surrogate pair D83D DE00, so it sorts before 'ｚ' (FF5A) though its code point is higher
    expect(stableStringify(value)).toBe('{"":8,"10":6,"2":7,"B":3,"_":4,"a":2,"b":1,"é":5,"😀":9,"ｚ":10}')
    // JSON.stringify lists integer-like keys first, in numeric order; this is the one difference
    expect(JSON.stringify({ '10': 1, '2': 2 })).toBe('{"2":2,"10":1}')
    expect(stableStringify({ '10': 1, '2': 2 })).toBe('{"10":1,"2":2}')
  })

  it('keeps array order', () => {
    expect(stableStringify([3, 1, 2])).toBe('[3,1,2]')
  })

  it('keeps an own __proto__ key as data', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"a":1}')
    expect(stableStringify(value)).toBe('{"__proto__":{"polluted":true},"a":1}')
  })

  it('treats null-prototype objects like plain ones', () => {
    const value = Object.assign(Object.create(null), { b: 1, a: 2 })
    expect(stableStringify(value)).toBe('{"a":2,"b":1}')
  })
})

describe('JSON rules', () => {
  it('writes primitives as JSON.stringify does', () => {
    for (const value of [null, true, false, 0, -0, 1.5, -7, 1e21, 5e-324, Number.MAX_SAFE_INTEGER, '', 'x']) {
      expect(stableStringify(value)).toBe(JSON.stringify(value))
    }
    expect(stableStringify(-0)).toBe('0')
    expect(stableStringify(1e21)).toBe('1e+21')
  })

  it('writes NaN and infinities as null', () => {
    expect(stableStringify(Number.NaN)).toBe('null')
    expect(stableStringify([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])).toBe(
      '[null,null,null]',
    )
    expect(stableStringify({ b: Number.NaN, a: Number.POSITIVE_INFINITY })).toBe('{"a":null,"b":null}')
  })

  it('drops undefined, functions and symbols from objects', () => {
    const value = { a: undefined, b: () => 1, c: Symbol('c'), d: 1, e: undefined }
    expect(stableStringify(value)).toBe('{"d":1}')
    expect(stableStringify({ only: undefined })).toBe('{}')
  })

  it('writes undefined, functions, symbols and holes in arrays as null', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case under test
    const value = [undefined, () => 1, Symbol('s'), , 1]
    expect(stableStringify(value)).toBe('[null,null,null,null,1]')
    expect(stableStringify(value)).toBe(JSON.stringify(value))
  })

  it('throws a TypeError for a top-level value that has no JSON text', () => {
    expect(() => stableStringify(undefined)).toThrow(
      new TypeError('stableStringify: cannot stringify undefined; JSON has no text for it'),
    )
    expect(() => stableStringify(() => 1)).toThrow(/cannot stringify a function/)
    expect(() => stableStringify(Symbol('s'))).toThrow(/cannot stringify a symbol/)
    expect(() => stableStringify({ toJSON: () => undefined })).toThrow(TypeError)
  })

  it('writes a Date as its ISO string, and an invalid Date as null', () => {
    const at = new Date(Date.UTC(2024, 1, 29, 12, 30, 15, 250))
    expect(stableStringify(at)).toBe('"2024-02-29T12:30:15.250Z"')
    expect(stableStringify({ until: at, from: at })).toBe(
      '{"from":"2024-02-29T12:30:15.250Z","until":"2024-02-29T12:30:15.250Z"}',
    )
    expect(stableStringify(new Date(Number.NaN))).toBe('null')
  })

  it('honours toJSON on any object, passing the key as JSON does, and sorts its result', () => {
    const seen: string[] = []
    const money = (amount: number) => ({
      toJSON(key: string) {
        seen.push(key)
        return { currency: 'EUR', amount }
      },
    })
    const value = { total: money(3), lines: [money(1), money(2)] }
    expect(stableStringify(value)).toBe(
      '{"lines":[{"amount":1,"currency":"EUR"},{"amount":2,"currency":"EUR"}],"total":{"amount":3,"currency":"EUR"}}',
    )
    expect(seen).toEqual(['0', '1', 'total'])
    expect(stableStringify(money(0))).toBe('{"amount":0,"currency":"EUR"}')
    expect(seen.at(-1)).toBe('')
  })

  it('does not see a cycle when toJSON returns the object itself', () => {
    const value = {
      b: 1,
      toJSON() {
        return this
      },
    }
    expect(stableStringify(value)).toBe('{"b":1}')
    expect(stableStringify(value)).toBe(JSON.stringify(value))
  })

  it('unwraps boxed primitives', () => {
    expect(stableStringify([new Number(3), new String('a"b'), new Boolean(false)])).toBe('[3,"a\\"b",false]')
    const shifty = Object.assign(new Number(1), { valueOf: () => 42 })
    expect(stableStringify(shifty)).toBe(JSON.stringify(shifty))
    expect(stableStringify(Object(Symbol('s')))).toBe('{}')
  })

  it('writes Map, Set, Error and typed arrays as JSON does, with sorted keys', () => {
    expect(stableStringify({ m: new Map([['a', 1]]), s: new Set([1]) })).toBe('{"m":{},"s":{}}')
    expect(stableStringify(new Error('boom'))).toBe('{}')
    expect(stableStringify(new Uint8Array([7, 8]))).toBe('{"0":7,"1":8}')
  })

  it('reads own enumerable string keys only', () => {
    class Point {
      y = 2
      x = 1
      get length() {
        return 3
      }
    }
    const value = new Point()
    Object.defineProperty(value, 'hidden', { value: true, enumerable: false })
    Object.assign(value, { [Symbol('s')]: 1 })
    expect(stableStringify(value)).toBe('{"x":1,"y":2}')
  })

  it('can be called again from inside a toJSON', () => {
    const value = { b: { toJSON: () => stableStringify({ d: 1, c: 2 }) }, a: 0 }
    expect(stableStringify(value)).toBe('{"a":0,"b":"{\\"c\\":2,\\"d\\":1}"}')
  })
})

describe('strings', () => {
  const samples = [
    'Zoë 🍣',
    'quote " and backslash \\',
    'line\nfeed\ttab\r\b\f',
    '\u0000\u0001\u001f\u007f',
    '\u2028\u2029',
    'lone \ud800 high',
    'lone \udfff low',
    '𝄞 pair',
    '日本語のキー',
  ]

  it('escapes values exactly as JSON.stringify does', () => {
    for (const text of samples) expect(stableStringify(text)).toBe(JSON.stringify(text))
    expect(stableStringify('Zoë 🍣')).toBe('"Zoë 🍣"')
    expect(stableStringify('a\u0000b')).toBe('"a\\u0000b"')
    expect(stableStringify('\ud800')).toBe('"\\ud800"')
  })

  it('escapes keys exactly as JSON.stringify does', () => {
    for (const text of samples) expect(stableStringify({ [text]: 1 })).toBe(JSON.stringify({ [text]: 1 }))
  })
})

describe('errors', () => {
  it('throws a TypeError naming the path of a cycle', () => {
    const inner: Record<string, unknown> = {}
    inner.b = inner
    expect(() => stableStringify({ a: inner })).toThrow(
      new TypeError('stableStringify: cycle at $.a.b; a cache key must be a finite tree'),
    )
    const self: Record<string, unknown> = {}
    self.self = self
    expect(() => stableStringify(self)).toThrow(/cycle at \$\.self;/)
  })

  it('finds a cycle that runs through arrays', () => {
    const list: unknown[] = [1]
    list.push({ items: [list] })
    expect(() => stableStringify({ 'my list': list })).toThrow(/cycle at \$\["my list"\]\[1\]\.items\[0\];/)
  })

  it('allows the same object in several places when it is not its own ancestor', () => {
    const shared = { v: 1 }
    const list = [shared, shared]
    expect(stableStringify({ b: shared, a: shared, c: list, d: list })).toBe(
      '{"a":{"v":1},"b":{"v":1},"c":[{"v":1},{"v":1}],"d":[{"v":1},{"v":1}]}',
    )
  })

  it('throws a TypeError on a BigInt, saying where and what to do', () => {
    expect(() => stableStringify(1n)).toThrow(
      new TypeError(
        'stableStringify: cannot serialise a BigInt at $; convert it first, e.g. with String(value)',
      ),
    )
    expect(() => stableStringify({ page: { ids: [1, 2n] } })).toThrow(
      /BigInt at \$\.page\.ids\[1\]; convert it first/,
    )
    expect(() => stableStringify([Object(3n)])).toThrow(/BigInt at \$\[0\]/)
  })

  it('uses a BigInt toJSON when one is installed, as JSON does', () => {
    const proto = BigInt.prototype as { toJSON?: () => string }
    proto.toJSON = function (this: bigint) {
      return `${this}n`
    }
    try {
      expect(stableStringify({ id: 5n })).toBe('{"id":"5n"}')
    } finally {
      delete proto.toJSON
    }
  })

  it('lets a throwing toJSON or getter error through unchanged', () => {
    const failure = new Error('nope')
    expect(() =>
      stableStringify({
        toJSON() {
          throw failure
        },
      }),
    ).toThrow(failure)
  })
})
