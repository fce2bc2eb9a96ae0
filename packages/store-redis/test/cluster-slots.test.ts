// Slot grouping agrees with the slots a real cluster node computes (CLUSTER KEYSLOT).

import { afterAll, describe, expect, inject, it } from 'vitest'
import { groupBySlot } from '../src/cluster-slots.js'
import { Redis } from './support/redis.js'

describe('groupBySlot', () => {
  const [first] = inject('redisClusterNodes')
  const node = new Redis({ host: first?.host, port: first?.port, maxRetriesPerRequest: 1 })
  afterAll(() => node.disconnect())

  it('puts keys in the slots the server itself computes, hash tags and unicode included', async () => {
    const keys = [
      'a',
      'b',
      '{user}:1',
      '{user}:2',
      'x{}y',
      '{}z',
      'été',
      '🔑',
      'p:{a}{b}',
      Buffer.from('raw'),
    ]
    const groups = groupBySlot(keys)
    for (const { keys: slotKeys } of groups) {
      const slots = await Promise.all(slotKeys.map((key) => node.cluster('KEYSLOT', key)))
      expect(new Set(slots).size).toBe(1)
    }
    const serverSlots = await Promise.all(keys.map((key) => node.cluster('KEYSLOT', key)))
    expect(groups).toHaveLength(new Set(serverSlots).size)
  })

  it('keeps where each key stood, in order of first appearance', () => {
    const groups = groupBySlot(['{t}a', 'other', '{t}b'])
    expect(groups).toEqual([
      { keys: ['{t}a', '{t}b'], indexes: [0, 2] },
      { keys: ['other'], indexes: [1] },
    ])
  })
})
