// What a user's app does with the packed packages, run as it is by Node, Bun or Deno (scripts/test-runtimes.mjs
// copies it into a scratch project with the tarballs installed, which is why knip does not look at it here): the conformance suite on every store (memory, Keyv, Redis and a Redis Cluster
// through ioredis and node-redis), then a fleet smoke per client library: two caches over one real Redis with the
// bus, the lock and tags. REDIS_URL and REDIS_CLUSTER_NODES (JSON [{host, port}]) say where Redis is.

import { TieredCache } from '@tiered/core'
import { createKeyvStore } from '@tiered/store-keyv'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisBus, createRedisLock, createRedisStore } from '@tiered/store-redis'
import { runStoreConformance } from '@tiered/store-test-suite'
import { Cluster, Redis } from 'ioredis'
import Keyv from 'keyv'
import { createClient, createCluster } from 'redis'
import { assert, describe, it, run, waitFor } from './harness.mjs'

const runtime = globalThis.Bun
  ? `Bun ${Bun.version}`
  : globalThis.Deno
    ? `Deno ${Deno.version.deno}`
    : `Node ${process.versions.node}`
// Not a turbo task: scripts/test-runtimes.mjs runs it after turbo, and says where Redis is.
const { REDIS_URL: url, REDIS_CLUSTER_NODES: nodesJson = '[]' } = process.env
const clusterNodes = JSON.parse(nodesJson)
if (!url || clusterNodes.length === 0) throw new Error('smoke.mjs needs REDIS_URL and REDIS_CLUSTER_NODES')
const runner = { describe, it }
const run_id = `${runtime.replace(/\W+/g, '-')}-${Date.now()}`

/** Every client made here, closed at the end. */
const opened = []
async function ioredis() {
  const client = new Redis(url, { maxRetriesPerRequest: 0 })
  opened.push(() => client.disconnect())
  await new Promise((resolve, reject) => client.once('ready', resolve).once('error', reject))
  return client
}
async function ioredisCluster() {
  const client = new Cluster(clusterNodes)
  opened.push(() => client.disconnect())
  await new Promise((resolve, reject) => client.once('ready', resolve).once('error', reject))
  return client
}
async function nodeRedis() {
  const client = createClient({ url })
  client.on('error', () => {})
  opened.push(() => client.destroy())
  await client.connect()
  return client
}
async function nodeRedisCluster() {
  const client = createCluster({
    rootNodes: clusterNodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })),
  })
  client.on('error', () => {})
  opened.push(() => client.destroy())
  await client.connect()
  return client
}

const jsonOptions = { runner, unencodableValue: () => ({ n: 1n }) }
runStoreConformance('memory', (namespace) => createMemoryStore(namespace), { runner })
runStoreConformance('keyv (Map)', () => createKeyvStore('keyv', new Keyv({ store: new Map() })), { runner })
const clients = {
  ioredis: await ioredis(),
  'ioredis Cluster': await ioredisCluster(),
  'node-redis': await nodeRedis(),
  'node-redis Cluster': await nodeRedisCluster(),
}
for (const [name, client] of Object.entries(clients)) {
  runStoreConformance(
    `redis on ${name}`,
    (namespace) => createRedisStore(namespace, client, { keyPrefix: `${run_id}:${namespace}:` }),
    jsonOptions,
  )
}

/** One process's cache: memory over Redis, with the bus and the lock, on a client of its own. */
function fleetMember(client, prefix) {
  return new TieredCache({
    stores: [createMemoryStore('memory'), createRedisStore('redis', client, { keyPrefix: prefix })],
    bus: createRedisBus(client, { channel: `${prefix}bus` }),
    lock: createRedisLock(client, { keyPrefix: `${prefix}lock:` }),
    defaultTtl: '1m',
  })
}

for (const [library, connect] of [
  ['ioredis', ioredis],
  ['node-redis', nodeRedis],
]) {
  describe(`fleet of two caches on ${library}`, () => {
    it("loads once per fleet (lock), sees the other cache's writes (bus) and tag invalidations", async () => {
      const prefix = `${run_id}:fleet:${library}:`
      const [a, b] = [fleetMember(await connect(), prefix), fleetMember(await connect(), prefix)]
      await Promise.all([a.ready(), b.ready()])
      try {
        let loads = 0
        const load = async () => {
          loads++
          await new Promise((resolve) => setTimeout(resolve, 100))
          return { version: 1 }
        }
        const both = await Promise.all(
          [a, b].map((cache) => cache.swr({ queryKey: 'shared', queryFn: load })),
        )
        assert(
          JSON.stringify(both) === JSON.stringify([{ version: 1 }, { version: 1 }]),
          'both got the value',
        )
        assert(loads === 1, `one load for the fleet, got ${loads}`)

        await a.set('shared', { version: 2 })
        await waitFor("b to see a's write", async () => (await b.get('shared'))?.version === 2)

        await a.set('tagged', 'before', { tags: ['team:7'] })
        await waitFor('b to read the tagged entry', async () => (await b.get('tagged')) === 'before')
        await b.deleteByTag(['team:7'])
        await waitFor('a to drop the tagged entry', async () => (await a.get('tagged')) === undefined)
      } finally {
        await Promise.all([a.close(), b.close()])
      }
    })
  })
}

const failures = await run(`${runtime}, packed packages`)
for (const close of opened) close()
// Deno and Bun keep running while a handle is open; the verdict is in.
process.exit(failures === 0 ? 0 : 1)
