// @fortedigital/nextjs-cache-handler as its README's Quick Start sets it up (redis-strings on node-redis), for the
// Next 16 comparison in bench/src/next/run.ts. Redis is the only tier, as in the Quick Start.
import { CacheHandler } from '@fortedigital/nextjs-cache-handler'
import createRedisHandler from '@fortedigital/nextjs-cache-handler/redis-strings'
import { createClient } from 'redis'

const client = createClient({ url: process.env.REDIS_URL })
client.on('error', () => {})
await client.connect()

CacheHandler.onCreation(() => ({
  handlers: [createRedisHandler({ client, keyPrefix: 'forte:' })],
}))

export default CacheHandler
