import { setTimeout as sleep } from 'node:timers/promises'
import type { BusMessage } from '@tiered/core'
import { describe, expect, it } from 'vitest'
import { createMemoryBus } from '../src/index.js'

describe('createMemoryBus', () => {
  it('delivers every message to every subscriber, the sender included, on a later task', async () => {
    const hub = createMemoryBus()
    const got: [string, BusMessage][] = []
    const a = hub.bus()
    const b = hub.bus()
    await a.subscribe({ message: (m) => got.push(['a', m]), gap: () => {} })
    await b.subscribe({ message: (m) => got.push(['b', m]), gap: () => {} })
    const message: BusMessage = { type: 'set', keys: ['k'], origin: 'a' }
    await a.publish(message)
    expect(got).toEqual([])
    await sleep(5)
    expect(got).toEqual([
      ['a', message],
      ['b', message],
    ])
    expect(got[0]?.[1]).not.toBe(message)
    expect(hub.published).toEqual([message])
  })

  it('gap reaches every subscriber; a closed bus hears nothing more', async () => {
    const hub = createMemoryBus()
    let gaps = 0
    let messages = 0
    const bus = hub.bus()
    await bus.subscribe({ message: () => messages++, gap: () => gaps++ })
    hub.gap()
    expect(gaps).toBe(1)
    await bus.close?.()
    await hub.bus().publish({ type: 'clear', origin: 'x' })
    await sleep(5)
    expect(messages).toBe(0)
  })
})
