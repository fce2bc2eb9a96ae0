// The receiving side of the fleet's bus: a notice from another cache supersedes the reads and loads of its keys
// running here, leaves each key in every local tier only as expired (set, expire) or removes it (delete), drops
// cached tag stamps, and wakes the waiters for those keys. A gap (notices may be lost) clears every local tier.

import { publishBus } from './diagnostics.js'
import { type EngineParts, supersede } from './engine-parts.js'
import type { BusMessage } from './types.js'
import { expireIn } from './write-path.js'

export class BusReceiver {
  readonly #parts: EngineParts

  constructor(parts: EngineParts) {
    this.#parts = parts
  }

  /** A notice from another cache of the fleet. */
  received(message: BusMessage): void {
    const parts = this.#parts
    if (parts.closed) return
    publishBus(parts.name, 'received', message)
    switch (message.type) {
      case 'set':
      case 'expire':
      case 'delete': {
        const keys = message.keys ?? []
        const soft = message.type === 'expire'
        for (const key of keys) supersede(parts, key)
        for (const tier of parts.tiers) {
          if (!tier.local) continue
          if (message.type === 'delete') tier.deleteMany(keys)
          else for (const key of keys) expireIn(tier, key, { now: parts.now, soft, strict: false })
        }
        for (const key of keys) parts.landings.wake(key)
        return
      }
      case 'clear':
        clearLocal(parts)
        return
      case 'tags':
        parts.stamps.drop(message.tags ?? [])
        parts.flights.supersedeTagged(message.tags ?? [])
        return
    }
  }

  /** Notices may have been lost: nothing local can be trusted. */
  gap(): void {
    const parts = this.#parts
    if (parts.closed) return
    publishBus(parts.name, 'gap', undefined)
    clearLocal(parts)
  }
}

/** Forgets everything this process holds locally: running reads and loads, tag stamps, local tiers. */
function clearLocal(parts: EngineParts): void {
  parts.reader.forgetAll()
  parts.flights.supersedeAll()
  parts.stamps.dropAll()
  for (const tier of parts.tiers) if (tier.local) tier.clear()
  parts.landings.wakeAll()
}
