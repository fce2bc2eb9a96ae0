// Deterministic JSON text for cache keys: JSON.stringify's rules, except that object keys are
// sorted at every depth, so two objects with the same entries always give the same text.
import { types } from 'node:util'

type PathKey = string | number

// What JSON.stringify escapes: '"', '\\', control characters and (lone) surrogates. Strings
// without any, most keys and values, are quoted directly; the rest go through JSON.stringify.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/

/** The containers being serialised, outermost first, and the key each one was reached by. */
interface Trail {
  readonly containers: object[]
  readonly keys: PathKey[]
}

/**
 * JSON text of `value` with object keys sorted by UTF-16 code unit (`Array.prototype.sort`'s
 * default order) at every depth. Everything else is exactly `JSON.stringify(value)`:
 * `toJSON` is honoured (so a `Date` becomes its ISO string), boxed primitives are unwrapped,
 * `NaN` and `±Infinity` become `null`, `undefined`, functions and symbols are left out of
 * objects and become `null` in arrays, and `Map`/`Set` give `{}`.
 *
 * @throws TypeError when `value` has no JSON text at all (top-level `undefined`, a function or
 *   a symbol, where `JSON.stringify` would return `undefined`), on a cycle (the message names
 *   the path, e.g. `$.a.b`), and on a `BigInt` (convert it to a string or number first).
 */
export function stableStringify(value: unknown): string {
  const text = serialize(value, '', { containers: [], keys: [] })
  if (text === undefined) {
    throw new TypeError(
      `stableStringify: cannot stringify ${describeTopLevel(value)}; JSON has no text for it`,
    )
  }
  return text
}

function serialize(value: unknown, key: PathKey, trail: Trail): string | undefined {
  if ((typeof value === 'object' && value !== null) || typeof value === 'bigint') {
    const toJSON = (value as { toJSON?: unknown }).toJSON
    if (typeof toJSON === 'function') value = toJSON.call(value, String(key))
  }
  switch (typeof value) {
    case 'string':
      return quote(value)
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null'
    case 'boolean':
      return value ? 'true' : 'false'
    case 'bigint':
      throw bigIntError(key, trail)
    case 'object':
      if (value === null) return 'null'
      if (Array.isArray(value)) return serializeArray(value, key, trail)
      if (types.isBoxedPrimitive(value)) return serializeBoxed(value, key, trail)
      return serializeObject(value, key, trail)
    default:
      // undefined, function, symbol: no JSON text; the caller drops it or writes null
      return undefined
  }
}

function serializeArray(array: readonly unknown[], key: PathKey, trail: Trail): string {
  enter(array, key, trail)
  let out = '['
  const length = array.length
  for (let index = 0; index < length; index++) {
    if (index > 0) out += ','
    out += serialize(array[index], index, trail) ?? 'null'
  }
  leave(trail)
  return `${out}]`
}

function serializeObject(object: object, key: PathKey, trail: Trail): string {
  enter(object, key, trail)
  const names = Object.keys(object)
  if (names.length > 1) names.sort()
  let out = '{'
  for (const name of names) {
    const text = serialize((object as Record<string, unknown>)[name], name, trail)
    if (text === undefined) continue
    if (out.length > 1) out += ','
    out += `${quote(name)}:${text}`
  }
  leave(trail)
  return `${out}}`
}

// JSON.stringify unwraps by internal slot, not by prototype: Number and String go through
// ToNumber/ToString (so an overridden valueOf/toString is honoured), Boolean and BigInt read the
// slot, and a boxed Symbol is an ordinary object.
function serializeBoxed(boxed: object, key: PathKey, trail: Trail): string | undefined {
  if (types.isNumberObject(boxed)) return serialize(Number(boxed), key, trail)
  if (types.isStringObject(boxed)) return quote(String(boxed))
  if (types.isBooleanObject(boxed)) return Boolean.prototype.valueOf.call(boxed) ? 'true' : 'false'
  if (types.isBigIntObject(boxed)) throw bigIntError(key, trail)
  return serializeObject(boxed, key, trail)
}

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`
}

function enter(container: object, key: PathKey, trail: Trail): void {
  if (trail.containers.includes(container)) {
    throw new TypeError(`stableStringify: cycle at ${pathOf(key, trail)}; a cache key must be a finite tree`)
  }
  trail.containers.push(container)
  trail.keys.push(key)
}

function leave(trail: Trail): void {
  trail.containers.pop()
  trail.keys.pop()
}

function bigIntError(key: PathKey, trail: Trail): TypeError {
  return new TypeError(
    `stableStringify: cannot serialise a BigInt at ${pathOf(key, trail)}; convert it first, e.g. with String(value)`,
  )
}

// `$` is the value passed in; trail.keys[0] is the top level's own '' key, so it is skipped.
function pathOf(key: PathKey, trail: Trail): string {
  let path = '$'
  for (let depth = 1; depth < trail.keys.length; depth++) path += pathSegment(trail.keys[depth]!)
  return trail.keys.length === 0 ? path : path + pathSegment(key)
}

function pathSegment(key: PathKey): string {
  if (typeof key === 'number') return `[${key}]`
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
}

function describeTopLevel(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined'
    case 'function':
      return 'a function'
    case 'symbol':
      return 'a symbol'
    default:
      return 'a value whose toJSON() returns undefined, a function or a symbol'
  }
}
