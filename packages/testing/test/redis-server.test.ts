import { existsSync } from 'node:fs'
import { Redis } from 'ioredis'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { type RedisServerHandle, RedisStartError, sendRedisCommand, startRedisServer } from '../src/index.js'

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const servers: RedisServerHandle[] = []
const clients: Redis[] = []

async function start(args?: string[]): Promise<RedisServerHandle> {
  const server = await startRedisServer({ args })
  servers.push(server)
  return server
}

function connect(url: string): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => (times > 50 ? null : 50),
  })
  // Kill and restart tests drop the connection on purpose; reconnecting is the client's business.
  client.on('error', () => {})
  clients.push(client)
  return client
}

afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect()
})

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()))
})

describe('startRedisServer', () => {
  it('starts a server on a loopback port that answers PING', async () => {
    const server = await start()
    expect(server.host).toBe('127.0.0.1')
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`)
    expect(await sendRedisCommand(server.port, ['PING'])).toBe('PONG')
    const client = connect(server.url)
    await client.set('k', 'v')
    expect(await client.get('k')).toBe('v')
    expect(await client.config('GET', 'save')).toEqual(['save', ''])
    expect(await client.config('GET', 'bind')).toEqual(['bind', '127.0.0.1'])
  })

  it('stops: the process is gone, the port is closed and the temp dir removed; stopping twice is fine', async () => {
    const server = await start()
    const client = connect(server.url)
    const [, dir] = (await client.config('GET', 'dir')) as [string, string]
    expect(existsSync(dir)).toBe(true)
    client.disconnect()

    await server.stop()
    expect(isAlive(server.pid)).toBe(false)
    expect(existsSync(dir)).toBe(false)
    await expect(sendRedisCommand(server.port, ['PING'])).rejects.toThrow()
    await server.stop()
    await expect(server.restart()).rejects.toThrow(/was stopped/)
  })

  it('passes extra arguments to redis-server', async () => {
    const server = await start(['--maxmemory', '10mb'])
    const client = connect(server.url)
    expect(await client.config('GET', 'maxmemory')).toEqual(['maxmemory', String(10 * 1024 * 1024)])
  })

  it('gives each server its own port', async () => {
    const [a, b] = await Promise.all([start(), start()])
    expect(a?.port).not.toBe(b?.port)
  })

  it('restarts on the same port after a SIGKILL, with nothing persisted', async () => {
    const server = await start()
    const client = connect(server.url)
    await client.set('k', 'v')
    const { port, pid } = server

    server.kill('SIGKILL')
    await expect.poll(() => isAlive(pid)).toBe(false)
    await expect(sendRedisCommand(port, ['PING'])).rejects.toThrow()

    await server.restart()
    expect(server.port).toBe(port)
    expect(server.pid).not.toBe(pid)
    expect(await sendRedisCommand(port, ['PING'])).toBe('PONG')
    expect(await client.get('k')).toBeNull()
  })

  it('pauses with SIGSTOP and resumes with SIGCONT', async () => {
    const server = await start()
    server.kill('SIGSTOP')
    await expect(sendRedisCommand(server.port, ['PING'], 200)).rejects.toThrow(/did not answer/)
    server.kill('SIGCONT')
    expect(await sendRedisCommand(server.port, ['PING'])).toBe('PONG')
  })

  it('restarts a paused server and stops one, promptly', async () => {
    const server = await start()
    const pid = server.pid
    server.kill('SIGSTOP')
    await server.restart()
    expect(isAlive(pid)).toBe(false)
    expect(await sendRedisCommand(server.port, ['PING'])).toBe('PONG')

    server.kill('SIGSTOP')
    const started = performance.now()
    await server.stop()
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(isAlive(server.pid)).toBe(false)
  })

  it("fails with the server's own output when it cannot start", async () => {
    const failure = startRedisServer({ args: ['--no-such-directive', 'yes'] })
    await expect(failure).rejects.toBeInstanceOf(RedisStartError)
    await expect(failure).rejects.toThrow(/exited before it answered PING[\s\S]*no-such-directive/)
  })

  it('says how to fix a missing binary', async () => {
    const previous = process.env.REDIS_SERVER
    process.env.REDIS_SERVER = '/nonexistent/redis-server'
    try {
      await expect(startRedisServer()).rejects.toThrow(/not found: install redis-server or set REDIS_SERVER/)
    } finally {
      if (previous === undefined) delete process.env.REDIS_SERVER
      else process.env.REDIS_SERVER = previous
    }
  })
})
