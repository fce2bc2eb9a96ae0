// The messages between the fleet benchmark (fleet/bench.ts) and its worker processes (fleet/worker.ts).

import type { FleetSetup, FleetSystemId } from './systems.js'

export type FleetWorkerCommand =
  | { type: 'setup'; system: FleetSystemId; setup: FleetSetup }
  /** `callers` concurrent fetches of one cold key at the wall-clock instant `startAt`. */
  | { type: 'stampede'; key: string; callers: number; loadMs: number; startAt: number; round: number }
  /** Makes sure `key` holds `version` here (read until it does), then says `watching` and reads in a tight loop
   * until it no longer does; reports when. */
  | { type: 'watch'; key: string; version: number; timeoutMs: number }
  | { type: 'set'; key: string; version: number }
  /** `callers` loops fetching random keys of `keys` until `until` (wall clock); loads counted from `from`. */
  | { type: 'steady'; keys: number; callers: number; loadMs: number; from: number; until: number }
  /** Fresh memory hits: rounds alternating between a cache with a bus and one without. */
  | { type: 'hits'; keys: number; rounds: number; roundMs: number }
  | { type: 'stop' }

export type FleetWorkerReport =
  | { type: 'ready' }
  | { type: 'stampede'; loads: number; ms: number; wrong: number }
  | { type: 'watching' }
  | { type: 'seen'; at: number | null }
  | { type: 'set'; at: number }
  | { type: 'steady'; loads: number; reads: number }
  | { type: 'hits'; withBus: number[]; without: number[] }
  | { type: 'failed'; error: string }
