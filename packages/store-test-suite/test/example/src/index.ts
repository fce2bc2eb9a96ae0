// A complete tiered store over any key-value client that keeps text with a ttl (the shape of most remote
// caches). docs/writing-a-store.md shows this file as it is, and the suite's own tests run the conformance suite
// against it, so the example always compiles and always conforms.

import {
  type CacheEntry,
  CacheSerializationError,
  type CacheStore,
  hasErrorCode,
  jsonCodec,
  type StoreWrite,
} from '@tiered/core'

/** The client the store adapts. The application creates it, owns it, and closes it. */
export interface TextClient {
  get(key: string): Promise<string | undefined>
  /** Stores `text` under `key` for `ttlMs` milliseconds; `Infinity`: with no expiry. */
  set(key: string, text: string, ttlMs: number): Promise<void>
  delete(keys: readonly string[]): Promise<void>
  /** Every key that starts with `prefix`, taken literally (no glob). */
  keysStartingWith(prefix: string): Promise<string[]>
}

export interface TextStoreOptions {
  /** Put before every key, so that stores (and apps) sharing one backend never meet. Needed for clear(). */
  keyPrefix?: string
}

export function createTextStore(
  name: string,
  client: TextClient,
  options: TextStoreOptions = {},
): CacheStore {
  const prefix = options.keyPrefix ?? ''
  const at = (key: string): string => prefix + key

  return {
    name,

    async get(key) {
      const text = await client.get(at(key))
      if (text === undefined) return undefined
      // Text that is not an entry throws CacheSerializationError: the engine reports a miss, the tier stays healthy.
      return jsonCodec.decode(text, key)
    },

    async set(key, entry, ttlMs) {
      // Encoding first: a value JSON cannot carry rejects with CacheSerializationError and nothing is written.
      await client.set(at(key), encode(key, entry), ttlMs)
    },

    async delete(key) {
      await client.delete([at(key)])
    },

    async setMany(items: readonly StoreWrite[]) {
      const writes: Promise<void>[] = []
      const leftOut: string[] = []
      let firstError: unknown
      for (const { key, entry, ttlMs } of items) {
        let text: string
        try {
          text = encode(key, entry)
        } catch (error) {
          if (!hasErrorCode(error, 'TIERED_SERIALIZATION')) throw error
          leftOut.push(key)
          firstError ??= error
          continue
        }
        writes.push(client.set(at(key), text, ttlMs))
      }
      // Every other item is written, once; then the ones left out are named.
      await Promise.all(writes)
      if (leftOut.length > 0) {
        throw new CacheSerializationError(
          `${leftOut.length} of ${items.length} values cannot be written as JSON; the others were written`,
          leftOut.length === 1 ? leftOut[0] : undefined,
          firstError,
          leftOut,
        )
      }
    },

    async clear() {
      // Without a prefix, "every key of this store" is every key of the backend: refuse rather than wipe it.
      if (prefix === '')
        throw new Error(`store "${name}" has no keyPrefix, so clear() would remove every key`)
      await client.delete(await client.keysStartingWith(prefix))
    },

    // No close(): the store made no timer or connection of its own, and the client is the application's.
  }
}

function encode(key: string, entry: CacheEntry): string {
  // The engine never writes undefined; JSON would silently drop it and leave an entry without a value.
  if (entry.value === undefined)
    throw new TypeError(`the value under "${key}" is undefined, which is never cached`)
  return jsonCodec.encode(entry, key)
}
