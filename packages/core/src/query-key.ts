// Turns a QueryKey into the one string every tier stores it under, so that distinct keys never collide.

import type { QueryKey } from './types.js'

/**
 * A string key is used as it is; an array key joins its parts with `:` after escaping `%` as `%25`
 * and `:` as `%3A` inside each part, so `['a:b']` and `['a', 'b']` stay different keys.
 */
export function toKey(queryKey: QueryKey): string {
  if (typeof queryKey === 'string') {
    if (queryKey.length > 0) return queryKey
    throw new RangeError('queryKey must not be empty')
  }
  if (!Array.isArray(queryKey)) {
    throw new TypeError(
      `queryKey must be a string or an array of strings, numbers and booleans, got ${typeof queryKey}`,
    )
  }
  const parts = queryKey as readonly unknown[]
  if (parts.length === 0) throw new RangeError('queryKey must not be an empty array')
  let key = ''
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) key += ':'
    key += escapePart(parts[i], i)
  }
  return key
}

function escapePart(part: unknown, index: number): string {
  let text: string
  if (typeof part === 'string') text = part
  else if (typeof part === 'number' || typeof part === 'boolean') text = String(part)
  else {
    throw new TypeError(
      `queryKey[${index}] must be a string, number or boolean, got ${part === null ? 'null' : typeof part}; ` +
        'hash objects with @tiered/keys first',
    )
  }
  if (text.indexOf('%') !== -1) text = text.replaceAll('%', '%25')
  if (text.indexOf(':') !== -1) text = text.replaceAll(':', '%3A')
  return text
}
