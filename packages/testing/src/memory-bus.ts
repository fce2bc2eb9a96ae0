// An in-process bus for fleet tests: several TieredCache instances in one process share one hub, and each gets its
// own CacheBus from it. Messages are delivered to every subscriber (the sender's own included, as Redis does) on a
// later task, so a publish never runs a receiver inside the caller.

import type { BusHandlers, BusMessage, CacheBus } from '@tiered/core'

export interface MemoryBusHub {
  /** A CacheBus on this hub, for one cache; it offers `ping` (as the Redis bus does) unless `ping: false`. */
  bus(options?: { ping?: boolean }): CacheBus
  /** Every message published so far, in order. */
  readonly published: readonly BusMessage[]
  /** Tells every subscriber that messages may have been lost, as a reconnected Redis subscriber does. */
  gap(): void
}

export function createMemoryBus(): MemoryBusHub {
  const subscribers = new Set<BusHandlers>()
  const published: BusMessage[] = []
  return {
    published,
    bus(options = {}): CacheBus {
      let mine: BusHandlers | undefined
      const bus: CacheBus = {
        publish(message) {
          published.push(message)
          // A copy, as a message that went through Redis is.
          const copy = JSON.parse(JSON.stringify(message)) as BusMessage
          for (const handlers of subscribers) setImmediate(() => handlers.message(copy))
        },
        subscribe(handlers) {
          mine = handlers
          subscribers.add(handlers)
        },
        close() {
          if (mine !== undefined) subscribers.delete(mine)
        },
      }
      if (options.ping !== false) bus.ping = () => {}
      return bus
    },
    gap() {
      for (const handlers of subscribers) handlers.gap()
    },
  }
}
