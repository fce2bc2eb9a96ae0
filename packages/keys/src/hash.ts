// Cache-key hashes of query parameters: the JSON, MD5 or SHA-256 of their stable JSON text, so
// parameter objects that differ only in key order hash the same.
import * as crypto from 'node:crypto'
import { stableStringify } from './stable-stringify.js'

type Algorithm = 'md5' | 'sha256'

// crypto.hash (Node 20.12+) digests in one call without building a Hash object; earlier 20.x
// releases lack it. Both hash the string's UTF-8 bytes.
const hexDigest: (algorithm: Algorithm, text: string) => string =
  typeof crypto.hash === 'function'
    ? (algorithm, text) => crypto.hash(algorithm, text, 'hex')
    : (algorithm, text) => crypto.createHash(algorithm).update(text, 'utf8').digest('hex')

/** The stable JSON text of `params` (see `stableStringify`), readable and collision-free. */
export function hashKeyJSON(params: unknown): string {
  return stableStringify(params)
}

/** 32 lowercase hex characters: the MD5 of `stableStringify(params)` as UTF-8. */
export function hashKeyMD5(params: unknown): string {
  return hexDigest('md5', stableStringify(params))
}

/** 64 lowercase hex characters: the SHA-256 of `stableStringify(params)` as UTF-8. */
export function hashKeySHA256(params: unknown): string {
  return hexDigest('sha256', stableStringify(params))
}
