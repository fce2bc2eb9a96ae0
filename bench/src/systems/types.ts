// The one shape every compared system takes in the bench: "give me the value of this key, loading it with
// this function when you must", built for a tier layout, a key prefix and a freshness window.

import type { BenchValue } from '../value.js'

/** Which tiers a system is built with: process memory, Redis, or memory in front of Redis. */
export type Layers = 'memory' | 'redis' | 'memory+redis'

export type Role = 'tiered' | 'peer' | 'floor'

export interface SystemSetup {
  layers: Layers
  /** Every Redis key the system writes starts with this; the runner deletes `prefix*` afterwards. */
  prefix: string
  redis: { host: string; port: number; url: string }
  /** How long a loaded value is fresh. */
  freshMs: number
  /** How long it lives; between `freshMs` and `ttlMs` it is stale, served while one refresh runs. */
  ttlMs: number
}

export type Loader = () => Promise<BenchValue>

export interface CacheUnderTest {
  /** The cached value of `key`, or the value of `load()` (cached on the way) when there is none. */
  fetch(key: string, load: Loader): Promise<BenchValue | undefined>
  /** Closes connections and timers so the process can exit. */
  close(): Promise<void>
}

export interface BenchSystem {
  id: string
  /** How the system is named in tables and the chart, per layout. */
  label(layers: Layers): string
  role: Role
  /** The npm package whose version is reported (undefined for the floors' own code). */
  packageName: string | undefined
  layers: readonly Layers[]
  /** Serves a stale value at once while one background load refreshes it. */
  staleWhileRevalidate: boolean
  create(setup: SystemSetup): Promise<CacheUnderTest>
}
