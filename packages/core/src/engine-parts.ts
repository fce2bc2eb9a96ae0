// The parts of one TieredCache that its modules share: made once at construction, never per call.

import type { FailureBackoff } from './backoff.js'
import type { BusLink } from './bus-link.js'
import type { PolicyDefaults } from './entry-policy.js'
import type { Flights } from './flights.js'
import type { Landings } from './landings.js'
import type { Lease } from './lease.js'
import type { AbortableLoad } from './load-context.js'
import type { ReadPath } from './read-path.js'
import type { Reporting } from './reporting.js'
import type { TagStamps } from './tag-stamps.js'
import type { Tier } from './tier.js'

export interface EngineParts {
  /** The cache's name, for diagnostics. */
  readonly name: string
  readonly tiers: readonly Tier[]
  readonly defaults: PolicyDefaults
  /** The cache's clock (epoch ms): every instant an entry, a stamp or a back-off is compared with. */
  readonly now: () => number
  readonly reporting: Reporting
  readonly reader: ReadPath
  readonly stamps: TagStamps
  readonly bus: BusLink | undefined
  readonly lease: Lease | undefined
  readonly lockTtlMs: number
  /** Index of the first tier that is not local: where a fleet's shared value lives. */
  readonly firstShared: number
  readonly flights: Flights
  /** Waiters for another process's value, woken when the bus names their key. */
  readonly landings: Landings
  /** Loads whose queryFn is running: close() aborts them. */
  readonly running: Set<AbortableLoad>
  readonly backoff: FailureBackoff
  /** Keys whose expire() is between reading and rewriting the entry, with a token of that call. */
  readonly expiring: Map<string, object>
  closed: boolean
}

/**
 * A set, delete or expire (here or from the bus) wins over the reads and loads of `key` already running, and ends
 * its back-off: the next call loads.
 */
export function supersede(parts: EngineParts, key: string): void {
  parts.expiring.delete(key)
  parts.backoff.clear(key)
  parts.reader.forget(key)
  parts.flights.supersede(key)
}
