// How many bytes a value counts for against `maxBytes` when no `sizeOf` is given: exact for text and bytes, an
// estimate near the length of its JSON text for everything else.

/** A number, boolean, null, undefined, symbol or function; a Date's or a RegExp's own overhead. */
const SCALAR_BYTES = 8
/** An object's or an array's own overhead, before its properties or elements. */
const OBJECT_BYTES = 16
/** A property or an element: its slot, before what it holds. */
const SLOT_BYTES = 8

/**
 * Strings count their length; Buffers, typed arrays, DataViews and ArrayBuffers their byteLength. Anything else is
 * walked once: 16 bytes per object or array, 8 per property or element plus its key's length, 8 per number,
 * boolean or null, Maps and Sets by their entries. An object reached twice (or a cycle) counts once.
 */
export function estimateValueBytes(value: unknown): number {
  if (typeof value === 'string') return value.length
  if (typeof value !== 'object' || value === null) return SCALAR_BYTES
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.byteLength
  return walk(value, new Set())
}

function walk(value: unknown, seen: Set<object>): number {
  if (typeof value === 'string') return value.length
  if (typeof value !== 'object' || value === null) return SCALAR_BYTES
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.byteLength
  if (seen.has(value)) return SLOT_BYTES
  seen.add(value)
  if (value instanceof Date || value instanceof RegExp) return OBJECT_BYTES + SCALAR_BYTES
  let bytes = OBJECT_BYTES
  if (Array.isArray(value)) {
    for (const element of value) bytes += SLOT_BYTES + walk(element, seen)
    return bytes
  }
  if (value instanceof Map) {
    for (const [key, element] of value) bytes += 2 * SLOT_BYTES + walk(key, seen) + walk(element, seen)
    return bytes
  }
  if (value instanceof Set) {
    for (const element of value) bytes += SLOT_BYTES + walk(element, seen)
    return bytes
  }
  for (const key in value) {
    bytes += SLOT_BYTES + key.length + walk((value as Record<string, unknown>)[key], seen)
  }
  return bytes
}
