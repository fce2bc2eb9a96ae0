import { setTimeout } from 'node:timers/promises'
import type { BusHandlers, BusMessage, CacheBus } from '@tiered/core'
import { describe, expect, it } from 'vitest'
import { createFlakyBus, InjectedFleetError } from '../src/index.js'

/** The smallest bus: delivers every message to its one subscriber at once. */
function loopBus(options: { ping?: boolean } = {}): CacheBus & { sent: BusMessage[] } {
  const sent: BusMessage[] = []
  let handlers: BusHandlers | undefined
  const bus: CacheBus & { sent: BusMessage[] } = {
    sent,
    publish(message) {
      sent.push(message)
      handlers?.message(message)
    },
    subscribe(given) {
      handlers = given
    },
  }
  if (options.ping === true) bus.ping = () => {}
  return bus
}

const notice: BusMessage = { type: 'set', keys: ['k'], origin: 'a' }

describe('createFlakyBus', () => {
  it('passes calls through as promises and counts them', async () => {
    const bus = createFlakyBus(loopBus())
    const received: BusMessage[] = []
    await bus.subscribe({ message: (m) => received.push(m), gap: () => {} })
    await bus.publish(notice)
    expect(received).toEqual([notice])
    expect(bus.calls).toEqual({ publish: 1, subscribe: 1, ping: 0 })
  })

  it('offers ping only when the inner bus does', async () => {
    expect(createFlakyBus(loopBus()).ping).toBeUndefined()
    const bus = createFlakyBus(loopBus({ ping: true }))
    await bus.ping?.()
    bus.failNext('ping')
    await expect(bus.ping?.()).rejects.toBeInstanceOf(InjectedFleetError)
    expect(bus.calls.ping).toBe(2)
  })

  it('fails publishes until heal(); a failed notice is not sent', async () => {
    const inner = loopBus()
    const bus = createFlakyBus(inner)
    bus.failAlways('publish')
    await expect(bus.publish(notice)).rejects.toThrow(/Injected publish failure in the bus/)
    expect(inner.sent).toEqual([])
    bus.heal()
    await bus.publish(notice)
    expect(inner.sent).toEqual([notice])
  })

  it('hangs or slows publishes; heal() lets hung ones through', async () => {
    const inner = loopBus()
    const bus = createFlakyBus(inner)
    bus.hang('publish')
    const hung = bus.publish(notice)
    await setTimeout(20)
    expect(inner.sent).toEqual([])
    bus.heal()
    await hung
    expect(inner.sent).toEqual([notice])
    bus.delay('all', 50)
    const started = performance.now()
    await bus.publish(notice)
    expect(performance.now() - started).toBeGreaterThanOrEqual(45)
  })
})
