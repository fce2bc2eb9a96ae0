// The L2 read path layer by layer, one caller: raw ioredis GET + JSON.parse, the Redis store's own get, then
// cache.swr and cache.get over that store. Interleaved in one process, so the machine's noise hits each alike;
// the gap between "store.get" and "cache.swr" is what the engine costs. Usage: pnpm --filter @tiered/bench l2-path

import { TieredCache } from '@tiered/core'
import { createRedisStore } from '@tiered/store-redis'
import { startRedisServer } from '@tiered/testing'
import { Redis } from 'ioredis'
import { median } from './measure.js'
import { TTL_MS } from './settings.js'
import { itemKey, makeValue } from './value.js'

const KEYS = 1_000
const OPS = 4_000
const ROUNDS = 8

const server = await startRedisServer()
const clients: Redis[] = []
const client = () => {
  const made = new Redis({ host: server.host, port: server.port })
  clients.push(made)
  return made
}
try {
  const raw = client()
  const store = createRedisStore('redis', client(), { keyPrefix: 'store:' })
  const cache = new TieredCache({ stores: [createRedisStore('redis', client(), { keyPrefix: 'store:' })] })
  const bare = new TieredCache({
    stores: [createRedisStore('redis', client(), { keyPrefix: 'store:' })],
    storeTimeout: false,
    circuitBreaker: false,
  })
  const keys = Array.from({ length: KEYS }, (_, i) => itemKey(i))
  const load = async () => makeValue(-1)
  for (let i = 0; i < KEYS; i++) {
    await cache.set(keys[i] as string, makeValue(i), { ttl: TTL_MS })
    await raw.set(`raw:${keys[i]}`, JSON.stringify(makeValue(i)), 'PX', TTL_MS)
  }
  const layers: [string, (i: number) => Promise<unknown>][] = [
    ['ioredis GET + JSON.parse', async (i) => JSON.parse((await raw.get(`raw:${keys[i % KEYS]}`)) as string)],
    ['store.get', (i) => store.get(keys[i % KEYS] as string)],
    ['cache.get', (i) => cache.get(keys[i % KEYS] as string)],
    ['cache.swr', (i) => cache.swr({ queryKey: keys[i % KEYS] as string, queryFn: load, ttl: TTL_MS })],
    [
      'cache.swr, no storeTimeout/breaker',
      (i) => bare.swr({ queryKey: keys[i % KEYS] as string, queryFn: load, ttl: TTL_MS }),
    ],
  ]
  const figures = new Map<string, number[]>(layers.map(([name]) => [name, []]))
  for (let round = -2; round < ROUNDS; round++) {
    for (const [name, op] of layers) {
      const started = performance.now()
      for (let i = 0; i < OPS; i++) await op(i)
      if (round >= 0) figures.get(name)?.push((OPS / (performance.now() - started)) * 1_000)
    }
  }
  const floor = median(figures.get(layers[0]?.[0] as string) as number[])
  for (const [name, rounds] of figures) {
    const ops = median(rounds)
    const perOp = 1e6 / ops - 1e6 / floor
    console.log(
      `${name.padEnd(36)} ${Math.round(ops).toString().padStart(7)} ops/s  ${(ops / floor).toFixed(2)}× floor  ${perOp >= 0 ? '+' : ''}${perOp.toFixed(1)} µs/op`,
    )
  }
  await cache.close()
  await bare.close()
} finally {
  for (const made of clients) made.disconnect()
  await server.stop()
}
