// The engine before and after a change, interleaved in one process so that the machine's load hits both alike:
// a fresh memory hit, an L2 (Redis) hit with 1 and with 64 callers, and a miss that 64 callers share, each round
// taken by both builds in turn; raw ioredis GET + JSON.parse beside the L2 figures. The "before" build is another
// checkout's core: BEFORE_CORE (default /work/baseline/packages/core/dist/index.js).
// Usage: pnpm --filter @tiered/bench before-after

import { pathToFileURL } from 'node:url'
import * as after from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisStore } from '@tiered/store-redis'
import { startRedisServer } from '@tiered/testing'
import { Redis } from 'ioredis'
import { median } from './measure.js'
import { TTL_MS } from './settings.js'
import { itemKey, makeValue } from './value.js'

const beforePath = process.env.BEFORE_CORE ?? '/work/baseline/packages/core/dist/index.js'
const before = (await import(pathToFileURL(beforePath).href)) as typeof after
const ROUNDS = Number(process.env.ROUNDS ?? 8)
const KEYS = 1_000

const server = await startRedisServer()
const clients: Redis[] = []
const client = () => {
  const made = new Redis({ host: server.host, port: server.port })
  clients.push(made)
  return made
}
const keys = Array.from({ length: KEYS }, (_, i) => itemKey(i))
const load = async () => makeValue(-1)
try {
  const raw = client()
  for (let i = 0; i < KEYS; i++) await raw.set(`raw:${keys[i]}`, JSON.stringify(makeValue(i)), 'PX', TTL_MS)
  const builds = { before, after }
  type Caches = Record<'memory' | 'redis' | 'miss', after.TieredCache>
  const caches = {} as Record<keyof typeof builds, Caches>
  for (const [label, build] of Object.entries(builds) as [keyof typeof builds, typeof after][]) {
    const memory = new build.TieredCache({ stores: [createMemoryStore('memory')] })
    const redis = new build.TieredCache({
      stores: [createRedisStore('redis', client(), { keyPrefix: `${label}:` })],
    })
    const miss = new build.TieredCache({ stores: [createMemoryStore('memory', { maxSize: 100_000 })] })
    for (const key of keys) {
      await memory.set(key, makeValue(1), { ttl: TTL_MS })
      await redis.set(key, makeValue(1), { ttl: TTL_MS })
    }
    caches[label] = { memory, redis, miss }
  }
  let missSerial = 0
  const workloads: { name: string; ops: number; run: (c: Caches, n: number) => Promise<unknown> }[] = [
    {
      name: 'fresh memory hit',
      ops: 200_000,
      run: (c, n) => c.memory.swr({ queryKey: keys[n % KEYS] as string, queryFn: load, ttl: TTL_MS }),
    },
    {
      name: 'L2 hit, 1 caller',
      ops: 4_000,
      run: (c, n) => c.redis.swr({ queryKey: keys[n % KEYS] as string, queryFn: load, ttl: TTL_MS }),
    },
    {
      name: 'L2 hit, 64 callers (64 keys)',
      ops: 200,
      run: (c, n) =>
        Promise.all(
          Array.from({ length: 64 }, (_, j) =>
            c.redis.swr({ queryKey: keys[(n * 64 + j) % KEYS] as string, queryFn: load, ttl: TTL_MS }),
          ),
        ),
    },
    {
      name: 'miss, 64 callers of one key',
      ops: 2_000,
      run: (c) => {
        const key = `miss:${missSerial++}`
        return Promise.all(
          Array.from({ length: 64 }, () => c.miss.swr({ queryKey: key, queryFn: load, ttl: TTL_MS })),
        )
      },
    },
  ]
  // ONLY=miss runs the workloads whose name contains it.
  const only = process.env.ONLY
  if (only !== undefined)
    workloads.splice(0, workloads.length, ...workloads.filter((w) => w.name.includes(only)))
  const rawOps = 4_000
  const rawRounds: number[] = []
  const figures = new Map<string, number[]>()
  const cpuPerOp = new Map<string, number[]>()
  for (let round = -2; round < ROUNDS; round++) {
    for (const workload of workloads) {
      // Alternate which build goes first, so that neither always runs on a warmer machine.
      const order = round % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const)
      for (const label of order) {
        const started = performance.now()
        const cpu = process.cpuUsage()
        for (let n = 0; n < workload.ops; n++) await workload.run(caches[label], n)
        const opsPerSecond = (workload.ops / (performance.now() - started)) * 1_000
        const used = process.cpuUsage(cpu)
        const name = `${workload.name} | ${label}`
        if (round < 0) continue
        figures.set(name, [...(figures.get(name) ?? []), opsPerSecond])
        // CPU time per operation: what a loaded machine's scheduling does not distort.
        cpuPerOp.set(name, [
          ...(cpuPerOp.get(name) ?? []),
          ((used.user + used.system) * 1_000) / workload.ops,
        ])
      }
    }
    const started = performance.now()
    for (let n = 0; n < rawOps; n++) JSON.parse((await raw.get(`raw:${keys[n % KEYS]}`)) as string)
    if (round >= 0) rawRounds.push((rawOps / (performance.now() - started)) * 1_000)
  }
  const rawOpsPerSecond = median(rawRounds)
  console.log(`raw ioredis GET + JSON.parse, 1 caller: ${Math.round(rawOpsPerSecond)} ops/s`)
  console.log(
    '| workload | before ops/s | after ops/s | after / before | after / raw ioredis | CPU µs/op before | after |',
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- |')
  for (const workload of workloads) {
    if (!figures.has(`${workload.name} | before`)) continue
    const b = median(figures.get(`${workload.name} | before`) as number[])
    const a = median(figures.get(`${workload.name} | after`) as number[])
    const vsRaw = workload.name === 'L2 hit, 1 caller' ? (a / rawOpsPerSecond).toFixed(2) : ''
    const cpuBefore = median(cpuPerOp.get(`${workload.name} | before`) as number[]) / 1_000
    const cpuAfter = median(cpuPerOp.get(`${workload.name} | after`) as number[]) / 1_000
    console.log(
      `| ${workload.name} | ${Math.round(b)} | ${Math.round(a)} | ${(a / b).toFixed(3)} | ${vsRaw} | ` +
        `${cpuBefore.toFixed(2)} | ${cpuAfter.toFixed(2)} |`,
    )
  }
  for (const label of ['before', 'after'] as const) {
    for (const cache of Object.values(caches[label])) await cache.close()
  }
} finally {
  for (const made of clients) made.disconnect()
  await server.stop()
}
