// Compression around the entry codecs: which entries are compressed, the header that marks them, reading entries
// written with and without it, and the errors for options and bytes it cannot use.

import * as zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { isCompressed, withCompression } from '../src/codec/compression.js'
import { customCodec, jsonCodec, v8Codec } from '../src/codec/entry-codec.js'
import type { CacheEntry } from '../src/types.js'

const hasZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function'
const entryOf = (value: unknown): CacheEntry => ({
  value,
  createdAt: 1_700_000_000_000,
  freshUntil: 1_700_000_060_000,
  expiresAt: 1_700_000_120_000,
  graceUntil: 1_700_000_120_000,
})
/** Repetitive JSON, as an API's list responses are. */
const listOf = (items: number) =>
  Array.from({ length: items }, (_, i) => ({
    id: i,
    name: `user ${i}`,
    roles: ['reader', 'writer'],
    active: true,
  }))
const asBuffer = (encoded: string | Buffer) => (typeof encoded === 'string' ? Buffer.from(encoded) : encoded)

describe('withCompression', () => {
  it.each([
    ['gzip', 1, (bytes: Buffer) => zlib.gunzipSync(bytes)],
    ['brotli', 2, (bytes: Buffer) => zlib.brotliDecompressSync(bytes)],
  ] as const)('%s: marks an entry of minBytes and more, and compresses it', (algorithm, id, inflate) => {
    const codec = withCompression(jsonCodec, algorithm)
    const entry = entryOf(listOf(200))
    const stored = asBuffer(codec.encode(entry, 'k'))
    expect([...stored.subarray(0, 4)]).toEqual([0x00, 0x74, 0x7a, id])
    expect(isCompressed(stored)).toBe(true)
    const json = JSON.stringify(entry)
    expect(stored.length).toBeLessThan(json.length / 4)
    expect(inflate(stored.subarray(4)).toString()).toBe(json)
    expect(codec.decode(stored, 'k')).toEqual(entry)
  })

  it('leaves an entry under minBytes plain, as the codec wrote it', () => {
    const codec = withCompression(jsonCodec, { algorithm: 'gzip', minBytes: 10_000 })
    const entry = entryOf(listOf(20))
    const stored = codec.encode(entry, 'k')
    expect(stored).toBe(JSON.stringify(entry))
    expect(codec.decode(asBuffer(stored), 'k')).toEqual(entry)
    // At the bound: exactly minBytes is compressed, one fewer is not.
    const bytes = Buffer.byteLength(JSON.stringify(entryOf('é'.repeat(300))))
    const exact = withCompression(jsonCodec, { algorithm: 'gzip', minBytes: bytes })
    expect(isCompressed(asBuffer(exact.encode(entryOf('é'.repeat(300)), 'k')))).toBe(true)
    const above = withCompression(jsonCodec, { algorithm: 'gzip', minBytes: bytes + 1 })
    expect(isCompressed(asBuffer(above.encode(entryOf('é'.repeat(300)), 'k')))).toBe(false)
  })

  it('reads plain and compressed entries alike, with compression on or off (a rolling deploy)', () => {
    const entry = entryOf(listOf(100))
    const off = withCompression(jsonCodec)
    const on = withCompression(jsonCodec, { algorithm: 'brotli', level: 9 })
    const plain = asBuffer(off.encode(entry, 'k'))
    const packed = asBuffer(on.encode(entry, 'k'))
    expect(isCompressed(plain)).toBe(false)
    expect(isCompressed(packed)).toBe(true)
    for (const reader of [off, on, withCompression(jsonCodec, 'gzip')]) {
      expect(reader.decode(plain, 'k')).toEqual(entry)
      expect(reader.decode(packed, 'k')).toEqual(entry)
    }
  })

  it('wraps the v8 codec and your own serializer too', () => {
    const value = { when: new Date(0), tags: new Set(['a']), list: listOf(50) }
    const v8 = withCompression(v8Codec, { algorithm: 'gzip', minBytes: 0 })
    const stored = asBuffer(v8.encode(entryOf(value), 'k'))
    expect(isCompressed(stored)).toBe(true)
    expect(v8.decode(stored, 'k')).toEqual(entryOf(value))
    // A plain v8 entry starts with 0xff: never taken for a compressed one.
    expect(v8.decode(asBuffer(v8Codec.encode(entryOf(value), 'k')), 'k')).toEqual(entryOf(value))
    const custom = withCompression(
      customCodec({
        serialize: (entry) => JSON.stringify(entry),
        deserialize: (raw) => JSON.parse(raw.toString()),
      }),
      { algorithm: 'brotli', minBytes: 0 },
    )
    expect(custom.decode(asBuffer(custom.encode(entryOf('x'), 'k')), 'k')).toEqual(entryOf('x'))
  })

  it('turns bytes marked compressed that are not into a serialization error, never a crash', () => {
    const codec = withCompression(jsonCodec)
    const garbage = Buffer.from([0x00, 0x74, 0x7a, 1, 9, 9, 9, 9])
    expect(() => codec.decode(garbage, 'k')).toThrow(
      expect.objectContaining({ code: 'TIERED_SERIALIZATION', key: 'k' }),
    )
    const unknown = Buffer.from([0x00, 0x74, 0x7a, 77, 9, 9])
    expect(() => codec.decode(unknown, 'k')).toThrow(/algorithm of id 77/)
    // Compressed, but what it holds is not an entry.
    const notEntry = Buffer.concat([Buffer.from([0x00, 0x74, 0x7a, 1]), zlib.gzipSync('{"no":1}')])
    expect(() => codec.decode(notEntry, 'k')).toThrow(
      expect.objectContaining({ code: 'TIERED_SERIALIZATION' }),
    )
  })

  it('refuses options it cannot use, at creation', () => {
    expect(() => withCompression(jsonCodec, 'lz4' as never)).toThrow(TypeError)
    expect(() => withCompression(jsonCodec, { algorithm: 'toString' as never })).toThrow(TypeError)
    expect(() => withCompression(jsonCodec, null as never)).toThrow(TypeError)
    expect(() => withCompression(jsonCodec, { algorithm: 'gzip', minBytes: -1 })).toThrow(RangeError)
    expect(() => withCompression(jsonCodec, { algorithm: 'gzip', level: 10 })).toThrow(/from 0 to 9/)
    expect(() => withCompression(jsonCodec, { algorithm: 'brotli', level: 1.5 })).toThrow(RangeError)
  })

  it.runIf(!hasZstd)('zstd where node:zlib lacks it: a CompressionUnavailableError at creation', () => {
    expect(() => withCompression(jsonCodec, 'zstd')).toThrow(
      expect.objectContaining({
        name: 'CompressionUnavailableError',
        code: 'TIERED_COMPRESSION_UNAVAILABLE',
        algorithm: 'zstd',
        message: expect.stringMatching(/Node 22\.15/),
      }),
    )
    // An entry another process compressed with zstd is a serialization error here (a miss), not a crash.
    const zstdMarked = Buffer.from([0x00, 0x74, 0x7a, 3, 1, 2, 3])
    expect(() => withCompression(jsonCodec).decode(zstdMarked, 'k')).toThrow(/compressed with zstd/)
  })

  it.runIf(hasZstd)('zstd where node:zlib has it: compresses and reads back', () => {
    const codec = withCompression(jsonCodec, { algorithm: 'zstd', level: 5 })
    const entry = entryOf(listOf(200))
    const stored = asBuffer(codec.encode(entry, 'k'))
    expect([...stored.subarray(0, 4)]).toEqual([0x00, 0x74, 0x7a, 3])
    expect(codec.decode(stored, 'k')).toEqual(entry)
  })
})
