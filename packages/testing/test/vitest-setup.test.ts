import { Redis } from 'ioredis'
import type { ProvidedContext } from 'vitest'
import { describe, expect, inject, it } from 'vitest'
import { sendRedisCommand, setupRedis } from '../src/index.js'

describe('setupRedis', () => {
  it("provides the globalSetup's server to tests as inject('redisUrl')", async () => {
    const url: string = inject('redisUrl')
    expect(url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
    const client = new Redis(url, { maxRetriesPerRequest: 1 })
    try {
      expect(await client.ping()).toBe('PONG')
    } finally {
      client.disconnect()
    }
  })

  it('returns a teardown that stops the server it started', async () => {
    const provided: Partial<ProvidedContext> = {}
    const teardown = await setupRedis({
      provide: (key, value) => {
        provided[key] = value
      },
    })
    const port = Number(new URL(provided.redisUrl ?? '').port)
    expect(await sendRedisCommand(port, ['PING'])).toBe('PONG')
    await teardown()
    await expect(sendRedisCommand(port, ['PING'], 200)).rejects.toThrow()
  })
})
