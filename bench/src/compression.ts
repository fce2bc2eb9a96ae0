// When compression pays on Redis: bytes in Redis (MEMORY USAGE) and the latency of a store's set and get for JSON
// values of 1 KB, 10 KB and 100 KB, with each algorithm and without. Starts its own redis-server on loopback and
// writes bench/COMPRESSION.md. Run: tsx src/compression.ts

import { writeFileSync } from 'node:fs'
import os from 'node:os'
import * as zlib from 'node:zlib'
import type { CacheEntry } from '@tiered/core'
import { type Compression, createRedisStore } from '@tiered/store-redis'
import { startRedisServer } from '@tiered/testing'
import { Redis } from 'ioredis'
import { median } from './measure.js'

const COMPRESSION_MD = new URL('../COMPRESSION.md', import.meta.url)
const SIZES = [1_000, 10_000, 100_000] as const
/** Interleaved rounds; each round times every algorithm's writes and reads of one size in turn. */
const ROUNDS = Number(process.env.COMPRESSION_ROUNDS ?? 15)
const OPS_PER_ROUND = { 1000: 40, 10000: 20, 100000: 6 } as const
const hasZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function'
const VARIANTS: readonly { label: string; compression: Compression | undefined }[] = [
  { label: 'none', compression: undefined },
  { label: 'gzip (level 6)', compression: 'gzip' },
  { label: 'brotli (quality 4)', compression: 'brotli' },
  ...(hasZstd ? [{ label: 'zstd (level 3)', compression: 'zstd' as const }] : []),
]

/** A small deterministic generator, so every run caches the same documents. */
function random(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648
    return state / 2_147_483_648
  }
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Radia', 'Tim']
const LAST = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Hamilton',
  'Thompson',
  'Perlman',
]
const CITIES = ['Lisbon', 'Oslo', 'Montreal', 'Nairobi', 'Osaka', 'Austin', 'Lyon']
const STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'refunded']

/** An API's page of orders, cut to about `bytes` of JSON: the same fields over and over, with varied values. */
function ordersPage(bytes: number): unknown {
  const next = random(bytes)
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T
  const orders: unknown[] = []
  const page = { page: 1, perPage: 0, total: 0, orders }
  for (let id = 1; JSON.stringify(page).length < bytes; id++) {
    const first = pick(FIRST)
    const last = pick(LAST)
    orders.push({
      id: 100_000 + id * 7 + Math.floor(next() * 7),
      status: pick(STATUSES),
      createdAt: new Date(Date.UTC(2026, 0, 1) + Math.floor(next() * 3e10)).toISOString(),
      customer: {
        id: Math.floor(next() * 1e6),
        name: `${first} ${last}`,
        email: `${first}.${last}${Math.floor(next() * 100)}@example.com`.toLowerCase(),
        address: { city: pick(CITIES), zip: String(10_000 + Math.floor(next() * 89_999)) },
      },
      items: Array.from({ length: 1 + Math.floor(next() * 3) }, () => ({
        sku: `SKU-${Math.floor(next() * 90_000) + 10_000}`,
        quantity: 1 + Math.floor(next() * 4),
        price: Math.round(next() * 20_000) / 100,
      })),
      paid: next() > 0.3,
    })
    page.perPage = orders.length
    page.total = orders.length * 12
  }
  return page
}

function entryOf(value: unknown): CacheEntry {
  const now = Date.now()
  return {
    value,
    createdAt: now,
    freshUntil: now + 60_000,
    expiresAt: now + 600_000,
    graceUntil: now + 600_000,
  }
}

const server = await startRedisServer()
const admin = new Redis({ host: server.host, port: server.port })
const client = new Redis({ host: server.host, port: server.port })
const rows: string[] = []
try {
  const redisVersion = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? 'unknown'
  for (const size of SIZES) {
    const entry = entryOf(ordersPage(size))
    const jsonBytes = Buffer.byteLength(JSON.stringify(entry))
    const stores = VARIANTS.map(({ compression }, i) =>
      createRedisStore(`redis-${i}`, client, { keyPrefix: `compression:${size}:${i}:`, compression }),
    )
    const writes: number[][] = VARIANTS.map(() => [])
    const reads: number[][] = VARIANTS.map(() => [])
    for (let round = 0; round < ROUNDS + 1; round++) {
      for (const [i, store] of stores.entries()) {
        for (let op = 0; op < OPS_PER_ROUND[size]; op++) {
          let started = performance.now()
          await store.set(`k${op}`, entry, 600_000)
          const wrote = performance.now() - started
          started = performance.now()
          const got = await store.get(`k${op}`)
          const read = performance.now() - started
          if (got === undefined) throw new Error('an entry just written was not read back')
          // The first round warms the JIT and the connection up; it is not counted.
          if (round > 0) {
            ;(writes[i] as number[]).push(wrote * 1_000)
            ;(reads[i] as number[]).push(read * 1_000)
          }
        }
      }
    }
    const plainBytes = (await admin.call('MEMORY', 'USAGE', `compression:${size}:0:k0`)) as number
    for (const [i, { label }] of VARIANTS.entries()) {
      const bytes = (await admin.call('MEMORY', 'USAGE', `compression:${size}:${i}:k0`)) as number
      const stored = await admin.strlen(`compression:${size}:${i}:k0`)
      const row = `| ${(size / 1_000).toFixed(0)} KB (${(jsonBytes / 1_000).toFixed(1)} KB entry) | ${label} | ${stored.toLocaleString('en')} | ${bytes.toLocaleString('en')} | ${((100 * bytes) / plainBytes).toFixed(0)}% | ${median(writes[i] as number[]).toFixed(0)} µs | ${median(reads[i] as number[]).toFixed(0)} µs |`
      console.log(row)
      rows.push(row)
    }
    for (const store of stores) {
      await store.clear()
      store.close()
    }
  }
  const load = os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ')
  const markdown = `# Compression on Redis

Written by \`tsx src/compression.ts\` (part of \`pnpm bench\`) on ${new Date().toISOString()}; do not edit by hand.
Node ${process.versions.node}, redis-server ${redisVersion} on loopback; load average at the end ${load}.
${hasZstd ? '' : `zstd is left out: node:zlib has it from Node 22.15 and 23.8, and this is Node ${process.versions.node}.\n`}
One store per algorithm (default levels, default \`minBytes\` 1024) writes and reads a page of orders as an API
would return it (JSON, repetitive field names, varied values). Stored: the value's bytes (\`STRLEN\`);
in Redis: \`MEMORY USAGE\` of the key (the allocator's size classes round it). Latency: median
of ${ROUNDS} interleaved rounds of \`store.set\` then \`store.get\` of one key, encoding and the round trip included.

| Value | Compression | Stored | In Redis | of plain | set | get |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}
`
  writeFileSync(COMPRESSION_MD, markdown)
  console.log(`\n${markdown}`)
} finally {
  client.disconnect()
  admin.disconnect()
  await server.stop()
}
