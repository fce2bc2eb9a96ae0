// Counts renders across the fleet in Redis (the e2e test reads the counters), and names the process that rendered.
import { Redis } from 'ioredis'

const SHARED = Symbol.for('tiered.example.renders')
type WithRedis = typeof globalThis & { [SHARED]?: Redis }

function redis(): Redis {
  const g = globalThis as WithRedis
  g[SHARED] ??= new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 0 })
  g[SHARED].on('error', () => {})
  return g[SHARED]
}

/** Adds one to the render counter of `what` (bounded wait: a stopped Redis never holds a render). */
export async function countRender(what: string): Promise<void> {
  await Promise.race([
    redis()
      .incr(`renders:${what}`)
      .catch(() => 0),
    new Promise((resolve) => setTimeout(resolve, 100)),
  ])
}

export const processName = process.env.PROCESS_NAME ?? String(process.pid)
