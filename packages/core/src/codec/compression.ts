// Compression around any entry codec: gzip, brotli or zstd above a size, marked by a header that no plain entry
// starts with, so a store reads entries written with and without compression alike (a rolling deploy).

import * as zlib from 'node:zlib'
import { CompressionUnavailableError } from '../errors.js'
import type { CacheEntry } from '../types.js'
import { type BufferCodec, type EntryCodec, reasonOf, unreadable } from './entry-codec.js'

export type CompressionAlgorithm = 'gzip' | 'brotli' | 'zstd'

export interface CompressionOptions {
  algorithm: CompressionAlgorithm
  /** Encoded entries shorter than this stay plain. Default 1024. */
  minBytes?: number
  /** gzip 0-9 (default 6), brotli 0-11 (default 4), zstd 1-22 (default 3). */
  level?: number
}

/** An algorithm with its defaults, or the algorithm with `minBytes` and `level` of your own. */
export type Compression = CompressionAlgorithm | CompressionOptions

/**
 * A compressed entry starts with these three bytes, then the algorithm's id, then the compressed encoding.
 * JSON entries start with `{` and v8 ones with 0xFF, so neither is ever taken for a compressed one.
 */
const MAGIC = [0x00, 0x74, 0x7a] as const
const HEADER_BYTES = 4

interface Algorithm {
  id: number
  levels: readonly [min: number, max: number, fallback: number]
  /** Whether this runtime's node:zlib has it. */
  available(): boolean
  compress(bytes: Buffer, level: number): Buffer
  decompress(bytes: Buffer): Buffer
}

type ZstdZlib = typeof zlib & {
  zstdCompressSync?(bytes: Buffer, options: { params: Record<number, number> }): Buffer
  zstdDecompressSync?(bytes: Buffer): Buffer
  constants: { ZSTD_c_compressionLevel?: number }
}
const zstdZlib = zlib as ZstdZlib

const ALGORITHMS: Record<CompressionAlgorithm, Algorithm> = {
  gzip: {
    id: 1,
    levels: [0, 9, 6],
    available: () => true,
    compress: (bytes, level) => zlib.gzipSync(bytes, { level }),
    decompress: (bytes) => zlib.gunzipSync(bytes),
  },
  brotli: {
    id: 2,
    // Brotli's own default (11) spends tens of milliseconds on 100 KB; 4 is as fast as gzip and smaller.
    levels: [0, 11, 4],
    available: () => true,
    compress: (bytes, level) =>
      zlib.brotliCompressSync(bytes, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: level,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        },
      }),
    decompress: (bytes) => zlib.brotliDecompressSync(bytes),
  },
  zstd: {
    id: 3,
    levels: [1, 22, 3],
    available: () => typeof zstdZlib.zstdCompressSync === 'function',
    compress: (bytes, level) =>
      (zstdZlib.zstdCompressSync as NonNullable<ZstdZlib['zstdCompressSync']>)(bytes, {
        params: { [zstdZlib.constants.ZSTD_c_compressionLevel as number]: level },
      }),
    decompress: (bytes) =>
      (zstdZlib.zstdDecompressSync as NonNullable<ZstdZlib['zstdDecompressSync']>)(bytes),
  },
}

const BY_ID = new Map(
  Object.entries(ALGORITHMS).map(([name, algorithm]) => [algorithm.id, { name, algorithm }]),
)

interface Settings {
  algorithm: Algorithm
  minBytes: number
  level: number
}

/**
 * `codec` read through a layer that recognises compressed entries (always, so that turning compression off, or a
 * process that never had it on, still reads what others compressed), and that compresses entries of `minBytes`
 * and more when `compression` is given. Compression runs synchronously: see the store-redis README for why.
 * Throws a CompressionUnavailableError for an algorithm this runtime lacks, and a TypeError or RangeError for
 * options it cannot use.
 */
export function withCompression(codec: EntryCodec, compression?: Compression): BufferCodec {
  const settings = compression === undefined ? undefined : checkCompression(compression)
  const decodePlain: (raw: Buffer, key: string) => CacheEntry =
    codec.reads === 'text'
      ? (raw, key) => codec.decode(raw.toString('utf8'), key)
      : (raw, key) => codec.decode(raw, key)
  return {
    reads: 'buffer',
    encode(entry, key) {
      const encoded = codec.encode(entry, key)
      if (settings === undefined || encodedLength(encoded, settings.minBytes) < settings.minBytes)
        return encoded
      const plain = typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded
      const packed = settings.algorithm.compress(plain, settings.level)
      const stored = Buffer.allocUnsafe(HEADER_BYTES + packed.length)
      stored[0] = MAGIC[0]
      stored[1] = MAGIC[1]
      stored[2] = MAGIC[2]
      stored[3] = settings.algorithm.id
      packed.copy(stored, HEADER_BYTES)
      return stored
    },
    decode(raw, key) {
      if (!isCompressed(raw)) return decodePlain(raw, key)
      const found = BY_ID.get(raw[3] as number)
      if (found === undefined) {
        throw unreadable(key, `compressed by an algorithm of id ${raw[3]}, which this version does not know`)
      }
      if (!found.algorithm.available()) {
        throw unreadable(
          key,
          `compressed with ${found.name}, which Node ${process.versions.node} cannot read`,
        )
      }
      let plain: Buffer
      try {
        plain = found.algorithm.decompress(raw.subarray(HEADER_BYTES))
      } catch (error) {
        throw unreadable(key, `marked ${found.name} but not ${found.name} data: ${reasonOf(error)}`, error)
      }
      return decodePlain(plain, key)
    },
  }
}

/** True when `raw` starts with the header of a compressed entry. */
export function isCompressed(raw: Buffer): boolean {
  return raw.length > HEADER_BYTES && raw[0] === MAGIC[0] && raw[1] === MAGIC[1] && raw[2] === MAGIC[2]
}

/** The byte length of `encoded`, counted exactly only where its characters leave the answer open. */
function encodedLength(encoded: string | Buffer, minBytes: number): number {
  if (typeof encoded !== 'string') return encoded.length
  // A character is one to three UTF-8 bytes (a surrogate pair is four for two).
  if (encoded.length >= minBytes) return encoded.length
  if (encoded.length * 3 < minBytes) return encoded.length * 3
  return Buffer.byteLength(encoded, 'utf8')
}

function checkCompression(compression: Compression): Settings {
  const options = typeof compression === 'string' ? { algorithm: compression } : compression
  if (options === null || typeof options !== 'object') {
    throw new TypeError("compression must be 'gzip', 'brotli', 'zstd' or { algorithm, minBytes?, level? }")
  }
  const { algorithm: name, minBytes = 1024, level } = options
  const algorithm = Object.hasOwn(ALGORITHMS, name) ? ALGORITHMS[name] : undefined
  if (algorithm === undefined) {
    throw new TypeError(`compression algorithm must be 'gzip', 'brotli' or 'zstd', got ${String(name)}`)
  }
  if (!algorithm.available()) {
    throw new CompressionUnavailableError(
      name,
      "node:zlib has zstd from Node 22.15 and 23.8; upgrade Node, or use 'gzip' or 'brotli'",
    )
  }
  if (!Number.isInteger(minBytes) || minBytes < 0) {
    throw new RangeError(`compression minBytes must be a whole number of bytes >= 0, got ${String(minBytes)}`)
  }
  const [min, max, fallback] = algorithm.levels
  if (level !== undefined && !(Number.isInteger(level) && level >= min && level <= max)) {
    throw new RangeError(
      `${name} compression level must be a whole number from ${min} to ${max}, got ${String(level)}`,
    )
  }
  return { algorithm, minBytes, level: level ?? fallback }
}
