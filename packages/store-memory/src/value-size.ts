// How many bytes a value counts for against `maxBytes` when no `sizeOf` is given: exact for text and bytes, an
// estimate near the length of its JSON text for everything else.

/** A number, boolean, null, undefined, symbol or function; a Date's or a RegExp's own overhead. */
const SCALAR_BYTES = 8
/** An object's or an array's own overhead, before its properties or elements. */
const OBJECT_BYTES = 16
/** A property or an element: its slot, before what it holds. */
const SLOT_BYTES = 8
/** Objects and arrays walked at most per value, so that no shape of value makes a write slow without bound. */
const MAX_OBJECTS = 1_000_000

/**
 * Strings count their length; Buffers, typed arrays, DataViews and ArrayBuffers their byteLength. Anything else is
 * walked once: 16 bytes per object or array, 8 per property or element plus its key's length, 8 per number,
 * boolean or null, Maps and Sets by their entries. An object reached twice counts twice; a cycle ends where it
 * closes. Past a million objects the walk stops and counts what it has seen.
 */
export function estimateValueBytes(value: unknown): number {
  if (typeof value === 'string') return value.length
  if (typeof value !== 'object' || value === null) return SCALAR_BYTES
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.byteLength
  return new Walk().bytesOf(value)
}

class Walk {
  /** The objects between the root and where the walk is: a cycle is a value found among them. */
  readonly #path: object[] = []
  #objects = 0

  bytesOf(value: unknown): number {
    if (typeof value === 'string') return value.length
    if (typeof value !== 'object' || value === null) return SCALAR_BYTES
    // Without a set of every object seen: putting an object in a Set gives it an identity hash, a write to every
    // object of every value cached. The path is short (the depth of the value).
    if (this.#path.includes(value) || ++this.#objects > MAX_OBJECTS) return SLOT_BYTES
    this.#path.push(value)
    const bytes = this.#contentsOf(value)
    this.#path.pop()
    return bytes
  }

  #contentsOf(value: object): number {
    let bytes = OBJECT_BYTES
    // The shapes JSON data is made of first: they are nearly all a cached value holds.
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) bytes += SLOT_BYTES + this.bytesOf(value[i])
      return bytes
    }
    const prototype = Object.getPrototypeOf(value)
    if (prototype !== Object.prototype && prototype !== null) {
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.byteLength
      if (value instanceof Date || value instanceof RegExp) return OBJECT_BYTES + SCALAR_BYTES
      if (value instanceof Map) {
        for (const [key, element] of value)
          bytes += 2 * SLOT_BYTES + this.bytesOf(key) + this.bytesOf(element)
        return bytes
      }
      if (value instanceof Set) {
        for (const element of value) bytes += SLOT_BYTES + this.bytesOf(element)
        return bytes
      }
    }
    for (const key in value) {
      bytes += SLOT_BYTES + key.length + this.bytesOf((value as Record<string, unknown>)[key])
    }
    return bytes
  }
}
