// The entries, values and keys the cases write: every JSON shape a cached value can take, and awkward keys.

import { type CacheEntry, FOREVER } from '@tiered/core'

/** An entry holding `value`, with four distinct realistic timestamps so that a swapped or rounded one shows. */
export function sampleEntry<T>(value: T, createdAt = Date.now()): CacheEntry<T> {
  return {
    value,
    createdAt,
    freshUntil: createdAt + 30_001,
    expiresAt: createdAt + 60_002,
    graceUntil: createdAt + 90_003,
  }
}

/** An entry written with `ttl: Infinity`: fresh, alive and kept until FOREVER (a finite instant). */
export function foreverEntry<T>(value: T, createdAt = Date.now()): CacheEntry<T> {
  return { value, createdAt, freshUntil: FOREVER, expiresAt: FOREVER, graceUntil: FOREVER }
}

/** Values of every JSON shape, named for the test title. Falsy ones matter most: a popular peer loses them. */
export const JSON_SHAPES: readonly (readonly [name: string, make: () => unknown])[] = [
  [
    'a nested object',
    () => ({ user: { id: 7, name: 'Ada', tags: ['a', 'b'], address: { city: 'Zürich', zip: null } } }),
  ],
  ['an array of mixed values', () => [1, 'two', null, false, 0, '', { three: [3] }, [[]]]],
  ['unicode text with emoji and astral characters', () => 'héllo wörld 你好 مرحبا 🎉👩‍👩‍👧 𝄞 𐐷 e\u0301'],
  ['the empty string', () => ''],
  ['0', () => 0],
  ['-1.5', () => -1.5],
  ['false', () => false],
  ['true', () => true],
  ['null', () => null],
  ['an empty object', () => ({})],
  ['an empty array', () => []],
  ['the largest safe integer', () => Number.MAX_SAFE_INTEGER],
  ['text that looks like JSON', () => '{"value":1,"expires":null}'],
  ['text that starts with a colon', () => ':base64:aGk='],
  ['a 100 KiB string', () => 'abcdefghijklmnop'.repeat(6_400)],
]

/** Unicode keys: accents, CJK, RTL, emoji sequences, astral characters and a combining mark. */
export const UNICODE_KEYS: readonly string[] = [
  'clé',
  '键',
  'مفتاح',
  '🔑',
  '👩‍👩‍👧',
  '𝄞𐐷',
  'e\u0301',
  '\u00e9',
]

/** Keys built from characters that pattern matching, escaping or line protocols treat specially. */
export const AWKWARD_KEYS: readonly string[] = [
  'a',
  'a:b',
  'a%3Ab',
  'a%b',
  'a*',
  '*',
  'a?',
  '?',
  'a[b]',
  '[',
  'a b',
  ' a',
  'a\nb',
  'a\r\nb',
  'a\\b',
  'a"b',
]

/**
 * Keys that differ only in case (ASCII and beyond: 'ß' upper-cases to 'SS'), or by one byte: a trailing space, one
 * letter. Each is its own key.
 */
export const NEAR_KEYS: readonly string[] = [
  'key',
  'Key',
  'KEY',
  'kEy',
  'key ',
  'kez',
  'straße',
  'STRASSE',
  'strasse',
]

/** A key of exactly 1 KiB (1024 ASCII characters) ending in `last`. */
export function kibibyteKey(last: string): string {
  return `${'k'.repeat(1_023)}${last}`
}
