// The prototype-pollution guard on its own: which keys are dropped, and where it looks.

import { serialize as v8Serialize } from 'node:v8'
import { afterEach, describe, expect, it } from 'vitest'
import {
  bytesMayHoldPrototypeKeys,
  parseJsonWithoutPrototypes,
  stripPrototypeKeys,
} from '../src/codec/proto-guard.js'

afterEach(() => {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
})

describe('parseJsonWithoutPrototypes', () => {
  it('parses ordinary JSON exactly as JSON.parse does', () => {
    for (const text of [
      '{"a":1,"b":[true,null,"x"]}',
      '"text"',
      '[]',
      '{"constructors":1,"proto":2}',
      '"C:\\\\users"',
    ]) {
      expect(parseJsonWithoutPrototypes(text)).toEqual(JSON.parse(text))
    }
  })

  it('drops __proto__ keys at every depth, however the key is spelled', () => {
    const parsed = parseJsonWithoutPrototypes(
      '{"__proto__":{"polluted":1},"a":[{"\\u005f\\u005fproto\\u005f\\u005f":{"polluted":1},"b":2}],"c":"__proto__"}',
    ) as Record<string, unknown>
    expect(Object.hasOwn(parsed, '__proto__')).toBe(false)
    expect(parsed).toEqual({ a: [{ b: 2 }], c: '__proto__' })
    expect(Object.hasOwn((parsed.a as object[])[0] as object, '__proto__')).toBe(false)
  })

  it('drops prototype under constructor and keeps the rest of it', () => {
    const parsed = parseJsonWithoutPrototypes(
      '{"constructor":{"prototype":{"polluted":1},"name":"x"},"d":{"constructor":{"prototype":1}}}',
    ) as Record<string, Record<string, unknown>>
    expect(parsed.constructor).toEqual({ name: 'x' })
    expect((parsed.d as Record<string, unknown>).constructor).toEqual({})
  })

  it('still throws on text that is not JSON', () => {
    expect(() => parseJsonWithoutPrototypes('{"__proto__":')).toThrow(SyntaxError)
  })
})

describe('bytesMayHoldPrototypeKeys', () => {
  it('finds the keys in v8 bytes whether V8 wrote them one byte or two bytes per character', () => {
    expect(bytesMayHoldPrototypeKeys(v8Serialize({ a: 1, b: 'text' }))).toBe(false)
    expect(bytesMayHoldPrototypeKeys(v8Serialize(JSON.parse('{"__proto__":1}')))).toBe(true)
    expect(bytesMayHoldPrototypeKeys(v8Serialize({ constructor: { prototype: 1 } }))).toBe(true)
    expect(bytesMayHoldPrototypeKeys(Buffer.from('__proto__', 'utf16le'))).toBe(true)
    expect(bytesMayHoldPrototypeKeys(Buffer.from('constructor', 'utf16le'))).toBe(true)
  })
})

describe('stripPrototypeKeys', () => {
  it('reaches into arrays, Maps and Sets, and survives cycles', () => {
    const poisoned = () => JSON.parse('{"__proto__":{"polluted":1},"kept":1}') as Record<string, unknown>
    const inArray = poisoned()
    const inMap = poisoned()
    const inSet = poisoned()
    const root: Record<string, unknown> = {
      list: [inArray],
      map: new Map([['k', inMap]]),
      set: new Set([inSet]),
      ctor: { constructor: { prototype: { polluted: 1 }, other: 2 } },
    }
    root.self = root
    stripPrototypeKeys(root)
    for (const cleaned of [inArray, inMap, inSet]) {
      expect(Object.hasOwn(cleaned, '__proto__')).toBe(false)
      expect(cleaned.kept).toBe(1)
    }
    expect((root.ctor as Record<string, unknown>).constructor).toEqual({ other: 2 })
  })

  it('walks a very deep value without overflowing the stack', () => {
    const root: Record<string, unknown> = {}
    let node = root
    for (let depth = 0; depth < 100_000; depth++) {
      const child: Record<string, unknown> = {}
      node.next = child
      node = child
    }
    Object.assign(node, JSON.parse('{"__proto__":{"polluted":1}}'))
    expect(() => stripPrototypeKeys(root)).not.toThrow()
    expect(Object.hasOwn(node, '__proto__')).toBe(false)
  })
})
