// Keeps decoded bytes from carrying `__proto__` keys or `constructor.prototype` into the application, where a
// later merge could turn them into prototype pollution. The common case pays for a cheap scan, nothing more.

const PROTO = '__proto__'
const CONSTRUCTOR = 'constructor'
const PROTO_UTF16 = Buffer.from(PROTO, 'utf16le')
const CONSTRUCTOR_UTF16 = Buffer.from(CONSTRUCTOR, 'utf16le')

/**
 * Text in which either key could hide: quoted literally, or spelled with a `\u` escape (JSON.stringify never
 * escapes a letter, so the escape is rare in stored entries). One regex pass is several times cheaper than three
 * `includes` calls, and a small fraction of the JSON.parse it guards.
 */
const SUSPECT = /"__proto__"|"constructor"|\\u/

/**
 * JSON.parse, except that no `__proto__` key and no `prototype` under a `constructor` key survives. Text that
 * cannot hold such a key is parsed plainly, with no reviver: that is the L2 hit path.
 */
export function parseJsonWithoutPrototypes(text: string): unknown {
  return SUSPECT.test(text) ? JSON.parse(text, dropPrototypeKeys) : JSON.parse(text)
}

/** A reviver runs bottom-up, so a `constructor` object is complete when its own key comes by. */
function dropPrototypeKeys(key: string, value: unknown): unknown {
  if (key === PROTO) return undefined
  dropConstructorPrototype(key, value)
  return value
}

/** Deletes `prototype` from the value of a `constructor` key. */
function dropConstructorPrototype(key: string, value: unknown): void {
  if (
    key === CONSTRUCTOR &&
    value !== null &&
    typeof value === 'object' &&
    Object.hasOwn(value, 'prototype')
  ) {
    delete (value as { prototype?: unknown }).prototype
  }
}

/**
 * Whether v8-serialised bytes may hold either key. V8 writes strings as one-byte or UTF-8 (the same bytes for
 * ASCII) or as UTF-16LE, so both spellings are looked for.
 */
export function bytesMayHoldPrototypeKeys(raw: Buffer): boolean {
  return (
    raw.includes(PROTO) ||
    raw.includes(CONSTRUCTOR) ||
    raw.includes(PROTO_UTF16) ||
    raw.includes(CONSTRUCTOR_UTF16)
  )
}

/**
 * Deletes every own `__proto__` key and every `prototype` under a `constructor` key, in objects, arrays, Maps
 * and Sets, each visited once (the graph may have cycles), without recursion (it may be deep).
 */
export function stripPrototypeKeys(root: unknown): void {
  if (root === null || typeof root !== 'object') return
  const seen = new Set<object>([root])
  const pending: object[] = [root]
  // An object enters `pending` only the first time it is seen, so there is one turn per object.
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (ArrayBuffer.isView(next) || next instanceof ArrayBuffer) continue
    if (next instanceof Map) {
      for (const [key, value] of next) {
        enqueue(pending, seen, key)
        enqueue(pending, seen, value)
      }
      continue
    }
    if (next instanceof Set) {
      for (const value of next) enqueue(pending, seen, value)
      continue
    }
    const record = next as Record<string, unknown>
    for (const key of Object.keys(record)) {
      if (key === PROTO) {
        delete record[key]
        continue
      }
      const value = record[key]
      dropConstructorPrototype(key, value)
      enqueue(pending, seen, value)
    }
  }
}

function enqueue(pending: object[], seen: Set<object>, value: unknown): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return
  seen.add(value)
  pending.push(value)
}
