// keyPrefix: applied by the store to the key of every command it sends, as MONITOR shows.

import { randomUUID } from 'node:crypto'
import { TieredCache } from '@tiered/core'
import { describe, expect, it } from 'vitest'
import { createRedisStore } from '../src/index.js'
import { entryOf, uniquePrefix, useClient, useRedis, watchNode } from './support/redis.js'

/** The key arguments of the commands the store sends (MGET and UNLINK take only keys; SET and GET one). */
function keysOf(command: string[]): string[] {
  const [name, ...args] = command
  if (name === 'mget' || name === 'unlink') return args
  if (name === 'scan') return [args[2] as string]
  // EVALSHA/EVAL sha-or-source numkeys key...
  if (name === 'evalsha' || name === 'eval') return args.slice(2, 2 + Number(args[1]))
  return [args[0] as string]
}

describe('keyPrefix', () => {
  const redis = useRedis()
  const client = useClient()

  it('goes before the key of every command the store sends', async () => {
    const prefix = uniquePrefix('every-command')
    // Keys that name their test, so that MONITOR also catches a command that went out without the prefix.
    const id = randomUUID()
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => `${id}-${name}`) as [
      string,
      string,
      string,
      string,
    ]
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    const watch = await watchNode(redis)
    await store.set(a, entryOf(1), 60_000)
    await store.get(a)
    await store.setMany([
      { key: b, entry: entryOf(2), ttlMs: 60_000 },
      { key: c, entry: entryOf(3), ttlMs: 60_000 },
    ])
    await store.getMany([a, b, c])
    await store.deleteMany([b, c])
    await store.delete(a)
    await store.set(d, entryOf(4), 60_000)
    await store.clear()
    const commands = (await watch.stop()).filter((command) => {
      const text = command.join(' ')
      return text.includes(id) || text.includes(prefix)
    })
    // setMany runs as one script (EVALSHA, then EVAL if the server had not loaded it yet), whose SETs show too.
    const names = commands.map(([name]) => name).filter((name) => name !== 'evalsha' && name !== 'eval')
    expect(commands.some(([name]) => name === 'evalsha')).toBe(true)
    expect(names.slice(0, 8)).toEqual(['set', 'get', 'set', 'set', 'mget', 'unlink', 'unlink', 'set'])
    // clear(): as many SCAN rounds as the shared server's keyspace needs, and one UNLINK for the one key left.
    const clearing = names.slice(8)
    expect(clearing).toContain('scan')
    expect(clearing.filter((name) => name !== 'scan')).toEqual(['unlink'])
    for (const command of commands) {
      for (const key of keysOf(command)) expect(key.startsWith(prefix)).toBe(true)
    }
    expect(await redis.keys(`*${id}*`)).toEqual([])
  })

  it('keeps the keys of two prefixes apart on one server', async () => {
    const first = uniquePrefix('first')
    const second = uniquePrefix('second')
    const one = createRedisStore('one', client, { keyPrefix: first })
    const two = createRedisStore('two', client, { keyPrefix: second })
    await one.set('k', entryOf('one'), 60_000)
    await two.set('k', entryOf('two'), 60_000)
    expect((await one.get('k'))?.value).toBe('one')
    expect((await two.get('k'))?.value).toBe('two')
    expect((await redis.keys(`${first}*`)).sort()).toEqual([`${first}k`])
    await one.clear()
    expect((await two.get('k'))?.value).toBe('two')
  })

  it('stores the keys a TieredCache builds from array query keys under the prefix', async () => {
    const prefix = uniquePrefix('cache')
    const cache = new TieredCache({ stores: [createRedisStore('redis', client, { keyPrefix: prefix })] })
    await cache.swr({ queryKey: ['user', 'a:b'], queryFn: async () => 'v' })
    expect(await redis.keys(`${prefix}*`)).toEqual([`${prefix}user:a%3Ab`])
  })
})
