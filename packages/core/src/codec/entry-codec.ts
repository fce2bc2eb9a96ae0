// How an entry becomes bytes in Redis and back: JSON (the default), Node's v8 serialiser, or your own.
// Whatever the format, bytes that are not a well-formed entry are a CacheSerializationError, never a crash.

import { deserialize as v8Deserialize, serialize as v8Serialize } from 'node:v8'
import { cacheEntryProblem, isCacheEntry } from '../entry-shape.js'
import { CacheSerializationError, hasErrorCode } from '../errors.js'
import type { CacheEntry } from '../types.js'
import { bytesMayHoldPrototypeKeys, parseJsonWithoutPrototypes, stripPrototypeKeys } from './proto-guard.js'

/** Your own format. `serialize` may give text or bytes; `deserialize` always receives the stored bytes. */
export interface EntrySerializer {
  serialize(entry: CacheEntry): string | Buffer
  deserialize(raw: Buffer): CacheEntry
}

/** JSON is read as text (GET / MGET); every other format as bytes (GETBUFFER / MGETBUFFER). */
export type EntryCodec = TextCodec | BufferCodec

export interface TextCodec {
  readonly reads: 'text'
  encode(entry: CacheEntry, key: string): string
  decode(text: string, key: string): CacheEntry
}

export interface BufferCodec {
  readonly reads: 'buffer'
  encode(entry: CacheEntry, key: string): string | Buffer
  decode(raw: Buffer, key: string): CacheEntry
}

export const jsonCodec: TextCodec = {
  reads: 'text',
  encode(entry, key) {
    const kind = typeof entry.value
    if (kind === 'function' || kind === 'symbol') {
      throw new CacheSerializationError(
        `the value under "${key}" is a ${kind}, which JSON cannot carry; ` +
          'cache a JSON value, or create the store with useJsonMarshalling: false',
        key,
      )
    }
    try {
      return JSON.stringify(entry)
    } catch (error) {
      throw new CacheSerializationError(
        `the value under "${key}" cannot be written as JSON (${reasonOf(error)}); remove BigInts and cycles ` +
          "from it, or create the store with useJsonMarshalling: false to use Node's v8 serialiser",
        key,
        error,
      )
    }
  },
  decode(text, key) {
    let decoded: unknown
    try {
      decoded = parseJsonWithoutPrototypes(text)
    } catch (error) {
      throw unreadable(key, `not JSON: ${reasonOf(error)}`, error)
    }
    if (isCacheEntry(decoded)) return decoded
    throw unreadable(key, cacheEntryProblem(decoded) as string)
  },
}

export const v8Codec: BufferCodec = {
  reads: 'buffer',
  encode(entry, key) {
    try {
      return v8Serialize(entry)
    } catch (error) {
      throw new CacheSerializationError(
        `the value under "${key}" cannot be written by Node's v8 serialiser (${reasonOf(error)}); ` +
          'functions, symbols and class behaviour do not survive it, so cache plain data',
        key,
        error,
      )
    }
  },
  decode(raw, key) {
    let decoded: unknown
    try {
      decoded = v8Deserialize(raw)
    } catch (error) {
      throw unreadable(key, `not v8-serialised data: ${reasonOf(error)}`, error)
    }
    if (bytesMayHoldPrototypeKeys(raw)) stripPrototypeKeys(decoded)
    if (isCacheEntry(decoded)) return decoded
    throw unreadable(key, cacheEntryProblem(decoded) as string)
  },
}

/** Your serializer, with its failures typed and its output checked like any other format's. */
export function customCodec(serializer: EntrySerializer): BufferCodec {
  return {
    reads: 'buffer',
    encode(entry, key) {
      let encoded: unknown
      try {
        encoded = serializer.serialize(entry)
      } catch (error) {
        if (hasErrorCode(error, 'TIERED_SERIALIZATION')) throw error
        throw new CacheSerializationError(
          `serializer.serialize failed for "${key}": ${reasonOf(error)}`,
          key,
          error,
        )
      }
      if (typeof encoded === 'string' || Buffer.isBuffer(encoded)) return encoded
      if (encoded instanceof Uint8Array)
        return Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength)
      throw new CacheSerializationError(
        `serializer.serialize must return a string or a Buffer, got ${typeof encoded} for "${key}"`,
        key,
      )
    },
    decode(raw, key) {
      let decoded: unknown
      try {
        decoded = serializer.deserialize(raw)
        // The format is yours, so no cheap byte check can tell whether the keys are there: always walk.
        stripPrototypeKeys(decoded)
      } catch (error) {
        if (hasErrorCode(error, 'TIERED_SERIALIZATION')) throw error
        throw unreadable(key, `serializer.deserialize failed: ${reasonOf(error)}`, error)
      }
      if (isCacheEntry(decoded)) return decoded
      throw unreadable(key, cacheEntryProblem(decoded) as string)
    },
  }
}

export function unreadable(key: string, reason: string, cause?: unknown): CacheSerializationError {
  return new CacheSerializationError(
    `the bytes under "${key}" are not a cache entry (${reason}); the key counts as a miss and the next ` +
      'write replaces it; if this repeats, make every writer of this keyPrefix use the same serializer',
    key,
    cause,
  )
}

export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
