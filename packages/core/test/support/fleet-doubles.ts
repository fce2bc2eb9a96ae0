// A lock and a bus in one process, for the fleet's unit tests (the Redis ones run in tests/integration): the lock
// leases one holder per key (no expiry) and counts what it was asked; the buses of one hub deliver every message to
// every subscriber in a microtask. Wrap them in @tiered/testing's flaky lock and bus to inject faults.

import { createMapStore } from '@tiered/testing'
import type { BusHandlers, BusMessage, CacheBus, CacheLock } from '../../src/index.js'

export interface MapLock extends CacheLock {
  /** Every key asked for, in order. */
  readonly asked: string[]
  readonly released: number
}

export function mapLock(): MapLock {
  const held = new Map<string, string>()
  const asked: string[] = []
  let next = 0
  let released = 0
  return {
    asked,
    get released() {
      return released
    },
    acquire(key) {
      asked.push(key)
      if (held.has(key)) return undefined
      const token = `t${next++}`
      held.set(key, token)
      return token
    },
    release(key, token) {
      released++
      if (held.get(key) === token) held.delete(key)
    },
  }
}

export interface HubBus extends CacheBus {
  readonly published: number
}

/** Makes buses that reach one another; each offers `ping` unless `ping: false`. */
export function busHub(): (options?: { ping?: boolean }) => HubBus {
  const subscribers = new Set<BusHandlers>()
  return (options = {}) => {
    let published = 0
    const bus: HubBus = {
      get published() {
        return published
      },
      publish(message: BusMessage) {
        published++
        for (const subscriber of subscribers) queueMicrotask(() => subscriber.message(message))
      },
      subscribe(handlers) {
        subscribers.add(handlers)
      },
    }
    if (options.ping !== false) bus.ping = () => {}
    return bus
  }
}

/** A memory-like tier: synchronous and `local`, so the bus keeps it true. */
export const localStore = (name: string) => Object.assign(createMapStore(name), { local: true })
