// Tests for the key hashes against digests computed outside this code (node -e with
// crypto.createHash, cross-checked with coreutils md5sum and sha256sum).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { hashKeyJSON, hashKeyMD5, hashKeySHA256 } from '../src/hash.js'

// text -> [md5, sha256]
const vectors = {
  '{"a":1,"b":2}': [
    '608de49a4600dbb5b173492759792e4a',
    '43258cff783fe7036d8a43033f830adfc60ec037382473548ac742b888292777',
  ],
  '{"fields":["name"],"id":1}': [
    '94537671a0ca50b6922540ee53b1d219',
    '4818bbf86fbf99853bed937e8cc8d9b53e4599f81aced1fa9b7cbc5f7affd022',
  ],
  '{"name":"Zoë 🍣"}': [
    'afd5950b2ec59af3945da29eb4e642d8',
    'e74bede4fc93755188721259778960010c4c9909ec26e1cd293f938911840336',
  ],
} as const

describe('hashKeyJSON', () => {
  it('is the stable JSON text', () => {
    expect(hashKeyJSON({ b: 2, a: 1 })).toBe('{"a":1,"b":2}')
    expect(hashKeyJSON({ id: 1, fields: ['name'] })).toBe('{"fields":["name"],"id":1}')
  })
})

describe('hashKeyMD5', () => {
  it('matches independently computed MD5 digests, whatever the key order', () => {
    expect(hashKeyMD5({ b: 2, a: 1 })).toBe(vectors['{"a":1,"b":2}'][0])
    expect(hashKeyMD5({ a: 1, b: 2 })).toBe(vectors['{"a":1,"b":2}'][0])
    expect(hashKeyMD5({ id: 1, fields: ['name'] })).toBe(vectors['{"fields":["name"],"id":1}'][0])
  })

  it('hashes the UTF-8 bytes of non-ASCII text', () => {
    expect(hashKeyMD5({ name: 'Zoë 🍣' })).toBe(vectors['{"name":"Zoë 🍣"}'][0])
  })

  it('returns 32 lowercase hex characters', () => {
    expect(hashKeyMD5([1, 'x', null])).toMatch(/^[0-9a-f]{32}$/)
  })
})

describe('hashKeySHA256', () => {
  it('matches independently computed SHA-256 digests, whatever the key order', () => {
    expect(hashKeySHA256({ b: 2, a: 1 })).toBe(vectors['{"a":1,"b":2}'][1])
    expect(hashKeySHA256({ fields: ['name'], id: 1 })).toBe(vectors['{"fields":["name"],"id":1}'][1])
    expect(hashKeySHA256({ name: 'Zoë 🍣' })).toBe(vectors['{"name":"Zoë 🍣"}'][1])
  })

  it('returns 64 lowercase hex characters', () => {
    expect(hashKeySHA256([1, 'x', null])).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('errors', () => {
  it('passes on the TypeError of a value with no stable text', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    for (const hash of [hashKeyJSON, hashKeyMD5, hashKeySHA256]) {
      expect(() => hash(cyclic)).toThrow(/cycle at \$\.self/)
      expect(() => hash({ id: 1n })).toThrow(/BigInt/)
      expect(() => hash(undefined)).toThrow(/cannot stringify undefined/)
    }
  })
})

describe('on a Node.js without crypto.hash (before 20.12)', () => {
  afterEach(() => {
    vi.doUnmock('node:crypto')
    vi.resetModules()
  })

  it('falls back to createHash and gives the same digests', async () => {
    vi.resetModules()
    vi.doMock('node:crypto', async (importOriginal) => ({
      ...(await importOriginal<typeof import('node:crypto')>()),
      hash: undefined,
    }))
    const fallback = await import('../src/hash.js')
    expect(fallback.hashKeyMD5).not.toBe(hashKeyMD5)
    for (const [text, [md5, sha256]] of Object.entries(vectors)) {
      expect(fallback.hashKeyMD5(JSON.parse(text))).toBe(md5)
      expect(fallback.hashKeySHA256(JSON.parse(text))).toBe(sha256)
    }
  })
})
