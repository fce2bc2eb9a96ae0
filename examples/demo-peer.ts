// The second process of `pnpm demo`'s fleet part: its own TieredCache [memory, Redis] joined to the demo's by the
// Redis bus and lock. It answers the demo's questions over IPC and exits when the demo is done with it.

import { TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisBus, createRedisLock, createRedisStore } from '@tiered/store-redis'
import { Redis } from 'ioredis'

export type PeerCommand = { type: 'read'; key: string } | { type: 'load'; key: string } | { type: 'stop' }
export type PeerReply =
  | { type: 'ready' }
  | { type: 'read'; value: unknown; from: string; ms: number }
  | { type: 'load'; value: unknown; loaded: boolean }

const url = process.env.TIERED_DEMO_REDIS as string
const prefix = process.env.TIERED_DEMO_PREFIX as string
const client = new Redis(url, { maxRetriesPerRequest: 1 })
const cache = new TieredCache({
  stores: [createMemoryStore('memory'), createRedisStore('redis', client, { keyPrefix: prefix })],
  bus: createRedisBus(client, { channel: `${prefix}bus` }),
  lock: createRedisLock(client, { keyPrefix: `${prefix}lock:` }),
})
let from = 'nowhere'
cache.on('hit', (event) => {
  from = event.tier
})

process.on('message', async (command: PeerCommand) => {
  if (command.type === 'stop') {
    await cache.close()
    client.disconnect()
    process.exit(0)
  }
  if (command.type === 'read') {
    from = 'nowhere'
    const t0 = performance.now()
    const value = await cache.get(command.key)
    process.send?.({ type: 'read', value, from, ms: performance.now() - t0 } satisfies PeerReply)
  }
  if (command.type === 'load') {
    let loaded = false
    const value = await cache.swr({
      queryKey: command.key,
      queryFn: async () => {
        loaded = true
        await new Promise((resolve) => setTimeout(resolve, 300))
        return `report built by the second process (pid ${process.pid})`
      },
    })
    process.send?.({ type: 'load', value, loaded } satisfies PeerReply)
  }
})
process.on('disconnect', () => process.exit(0))
await cache.ready()
process.send?.({ type: 'ready' } satisfies PeerReply)
