// A fleet's bus inside one process, for fast tests: every cache that subscribed gets every message (its own too, as
// with Redis pub/sub), a structured clone as if it had travelled; `gap()` tells every subscriber notices were lost.

import type { BusHandlers, BusMessage, CacheBus } from '@tiered/core'

export interface MemoryBus {
  /** A CacheBus for one more cache of the fleet. */
  bus(): CacheBus
  /** Tells every subscriber that notices may have been lost (as a reconnected Redis subscriber does). */
  gap(): void
}

export function createMemoryBus(): MemoryBus {
  const subscribers: BusHandlers[] = []
  return {
    bus: () => ({
      publish(message: BusMessage) {
        for (const handlers of subscribers) handlers.message(structuredClone(message))
      },
      subscribe(handlers: BusHandlers) {
        subscribers.push(handlers)
      },
    }),
    gap() {
      for (const handlers of subscribers) handlers.gap()
    },
  }
}
