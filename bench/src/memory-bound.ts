// The memory tier bounded by bytes: 100 MB of values written into a tier of maxBytes 10 MB, the heap growth after
// a full collection, against the same writes into a tier bounded by entries only. Also what measuring costs a
// write: the same writes of small objects with and without a byte bound. Writes bench/MEMORY.md.
// Run: node --expose-gc --import tsx src/memory-bound.ts

import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { TieredCache } from '@tiered/core'
import { createMemoryStore, type MemoryStoreOptions } from '@tiered/store-memory'
import { collectGarbage, median } from './measure.js'

const MB = 1_000_000
const VALUE_BYTES = 50_000
const WRITTEN = 100 * MB
const COUNT = WRITTEN / VALUE_BYTES
const MEMORY_MD = new URL('../MEMORY.md', import.meta.url)

if ((globalThis as { gc?: unknown }).gc === undefined) throw new Error('run with node --expose-gc')

function held(): number {
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}

/** An API's response of about 50 KB as JSON text, parsed: the default estimate measures it by a walk. */
function jsonValue(i: number): unknown {
  return Array.from({ length: 640 }, (_, n) => ({
    id: i * 1_000 + n,
    name: `user ${n}`,
    email: `u${n}-${i}@example.com`,
    roles: ['reader'],
  }))
}
/** The same response as its 50 KB of JSON text (one flat string of its own), measured by its length. */
function textValue(i: number): string {
  return JSON.stringify(jsonValue(i)).slice(0, VALUE_BYTES)
}

async function fill(options: MemoryStoreOptions, value: (i: number) => unknown) {
  collectGarbage()
  const before = held()
  const store = createMemoryStore('memory', options)
  const cache = new TieredCache({ stores: [store] })
  let ms = 0
  for (let i = 0; i < COUNT; i++) {
    const written = value(i)
    const started = performance.now()
    await cache.set(`page:${i}`, written, { ttl: '10m' })
    ms += performance.now() - started
  }
  collectGarbage()
  const growth = held() - before
  const result = { growth, entries: store.size, bytes: store.bytes, ms }
  await cache.close()
  return result
}

/** µs per write of 200 000 small objects into a fresh store: one round. */
function writeRound(options: MemoryStoreOptions): number {
  const store = createMemoryStore('memory', { maxSize: 200_000, ...options })
  const times = { createdAt: 0, freshUntil: 1, expiresAt: 2, graceUntil: 3 }
  const started = performance.now()
  for (let i = 0; i < 200_000; i++) {
    store.set(`k${i}`, { value: { id: i, name: `item ${i}`, tags: ['a', 'b'] }, ...times }, 60_000)
  }
  return ((performance.now() - started) * 1_000) / 200_000
}

/** Median µs per write for each set of options, their rounds interleaved so a busy machine slows all alike. */
function writeCosts(variants: readonly MemoryStoreOptions[]): number[] {
  const rounds: number[][] = variants.map(() => [])
  for (let round = 0; round < 9; round++) {
    for (const [i, options] of variants.entries()) (rounds[i] as number[]).push(writeRound(options))
  }
  return rounds.map(median)
}

const mib = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`
const rows: string[] = []
for (const [label, value] of [
  ['JSON objects of ~50 KB (estimated by a walk)', jsonValue],
  ['JSON text of 50 KB (a string, by length)', textValue],
] as const) {
  for (const [bound, options] of [
    ['maxBytes: 10 MB', { maxBytes: 10 * MB }],
    ['maxSize: 10 000 (entries only)', {}],
  ] as const) {
    const result = await fill(options, value)
    const line = `| ${label} | ${bound} | ${mib(WRITTEN)} | ${mib(result.growth)} | ${result.entries} | ${result.bytes === 0 ? 'n/a' : mib(result.bytes)} | ${((result.ms * 1_000) / COUNT).toFixed(1)} µs |`
    console.log(line)
    rows.push(line)
  }
}
const [plain, estimated, own] = writeCosts([
  {},
  { maxBytes: 1_000 * MB },
  { maxBytes: 1_000 * MB, sizeOf: () => 64 },
]) as [number, number, number]
const load = os
  .loadavg()
  .map((n) => n.toFixed(2))
  .join(' / ')
const markdown = `# Memory tier bounded by bytes

Written by \`node --expose-gc --import tsx src/memory-bound.ts\` (part of \`pnpm bench\`) on ${new Date().toISOString()}; do not edit by hand.
Node ${process.versions.node}; load average at the end ${load}.

${COUNT.toLocaleString('en')} values of 50 KB (${mib(WRITTEN)} in all) written through \`cache.set\` into one memory tier; the growth is
the heap plus off-heap buffers after a full collection, against before the tier was created.

| Values | Tier | Written | Heap growth | Entries kept | Bytes counted | Per write |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

What measuring costs a write (200 000 small objects \`{ id, name, tags }\` by \`store.set\`, median of 9 interleaved rounds):
no byte bound ${plain.toFixed(3)} µs, \`maxBytes\` with the default estimate ${estimated.toFixed(3)} µs, \`maxBytes\` with
your own \`sizeOf\` ${own.toFixed(3)} µs.
`
writeFileSync(MEMORY_MD, markdown)
console.log(markdown)
