// The L2 hit figures per Redis client: tiered's Redis tier (a Redis-only cache read with swr) on ioredis and on
// node-redis, each beside that client's own raw GET + JSON.parse, with 1 and with 64 callers. Interleaved round by
// round in one process against one redis-server, so the machine's noise hits every row alike; each tiered row is a
// ratio to the raw client it runs on. Prints the table and writes bench/L2-CLIENTS.md.
// Usage: pnpm --filter @tiered/bench l2-clients (part of `pnpm bench`)

import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { TieredCache } from '@tiered/core'
import { createRedisStore } from '@tiered/store-redis'
import { startRedisServer } from '@tiered/testing'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { median } from './measure.js'
import { ROUND_MS, ROUNDS, TTL_MS, WARMUP_ROUNDS } from './settings.js'
import { type BenchValue, itemKey, makeValue } from './value.js'
import { installedVersions } from './versions.js'

const KEYS = 1_000
const CALLERS = [1, 64] as const
const RESULTS_MD = new URL('../L2-CLIENTS.md', import.meta.url)

interface Row {
  library: 'ioredis' | 'node-redis'
  what: 'raw' | 'tiered'
  callers: number
  read: (key: string) => Promise<unknown>
  rounds: number[]
}

/** Operations of `callers` workers in one round of ROUND_MS; worker w reads keys w, w + callers, ... */
async function round(read: (key: string) => Promise<unknown>, callers: number): Promise<number> {
  const keys = Array.from({ length: KEYS }, (_, i) => itemKey(i))
  let ops = 0
  const deadline = performance.now() + ROUND_MS
  const started = performance.now()
  await Promise.all(
    Array.from({ length: callers }, async (_, worker) => {
      // Bounded: a round is ROUND_MS long, far fewer reads than this.
      for (let n = 0; n < 50_000_000 && performance.now() < deadline; n++) {
        await read(`${keys[(worker + n * callers) % KEYS]}`)
        ops++
      }
    }),
  )
  return (ops / (performance.now() - started)) * 1_000
}

const server = await startRedisServer()
const ioredis = new Redis({ host: server.host, port: server.port })
const nodeRedis = createClient({ url: server.url })
await nodeRedis.connect()
const caches: TieredCache[] = []
try {
  const value = (i: number) => JSON.stringify(makeValue(i))
  const tieredOn = (client: Redis | typeof nodeRedis, prefix: string) => {
    const cache = new TieredCache({ stores: [createRedisStore('redis', client, { keyPrefix: prefix })] })
    caches.push(cache)
    const load = async (): Promise<BenchValue> => makeValue(-1)
    return (key: string) => cache.swr({ queryKey: key, queryFn: load, ttl: TTL_MS })
  }
  const tieredIoredis = tieredOn(ioredis, 'tiered-ioredis:')
  const tieredNodeRedis = tieredOn(nodeRedis, 'tiered-node-redis:')
  for (let i = 0; i < KEYS; i++) {
    const key = itemKey(i)
    await ioredis.set(`raw:${key}`, value(i), 'PX', TTL_MS)
    await caches[0]?.set(key, makeValue(i), { ttl: TTL_MS })
    await caches[1]?.set(key, makeValue(i), { ttl: TTL_MS })
  }
  const rows: Row[] = CALLERS.flatMap((callers) => [
    {
      library: 'ioredis',
      what: 'raw',
      callers,
      read: async (key) => JSON.parse((await ioredis.get(`raw:${key}`)) as string),
      rounds: [],
    },
    { library: 'ioredis', what: 'tiered', callers, read: tieredIoredis, rounds: [] },
    {
      library: 'node-redis',
      what: 'raw',
      callers,
      read: async (key) => JSON.parse((await nodeRedis.get(`raw:${key}`)) as string),
      rounds: [],
    },
    { library: 'node-redis', what: 'tiered', callers, read: tieredNodeRedis, rounds: [] },
  ])
  for (let n = -WARMUP_ROUNDS; n < ROUNDS; n++) {
    for (const row of rows) {
      const opsPerSecond = await round(row.read, row.callers)
      if (n >= 0) row.rounds.push(opsPerSecond)
    }
  }

  const versions = installedVersions()
  const lines = [
    '# L2 hit per Redis client',
    '',
    `A Redis-only tiered cache read with \`swr\` (1 000 warm keys) on each client, beside that client's raw GET +`,
    'JSON.parse, interleaved round by round in one process against one redis-server. The ratio is tiered to the raw',
    'client it runs on (1.00 = as fast). Written by `pnpm bench` (`bench/src/l2-clients.ts`); never edited by hand.',
    '',
    `ioredis ${versions.ioredis ?? '?'}, node-redis (redis) ${versions.redis ?? '?'}, Node ${process.versions.node}, ` +
      `${os.cpus().length} CPUs, load ${os
        .loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')} at the end, ${ROUNDS} rounds of ${ROUND_MS} ms (median).`,
    '',
    '| Callers | Client | raw GET + JSON.parse (ops/s) | tiered swr (ops/s) | tiered / raw |',
    '| ---: | --- | ---: | ---: | ---: |',
  ]
  for (const callers of CALLERS) {
    for (const library of ['ioredis', 'node-redis'] as const) {
      const of = (what: Row['what']) =>
        median(
          rows.find((row) => row.callers === callers && row.library === library && row.what === what)
            ?.rounds ?? [],
        )
      const [raw, tiered] = [of('raw'), of('tiered')]
      lines.push(
        `| ${callers} | ${library} | ${Math.round(raw).toLocaleString('en')} | ${Math.round(tiered).toLocaleString('en')} | ${(tiered / raw).toFixed(2)} |`,
      )
    }
  }
  const markdown = `${lines.join('\n')}\n`
  console.log(`\n${markdown}`)
  writeFileSync(RESULTS_MD, markdown)
} finally {
  for (const cache of caches) await cache.close()
  ioredis.disconnect()
  nodeRedis.destroy()
  await server.stop()
}
