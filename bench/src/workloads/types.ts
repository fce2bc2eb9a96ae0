// What a workload is: a named measurement of one system built with one tier layout, taken in a process of its own.

import type { BenchSystem, Layers } from '../systems/types.js'

interface WorkloadContext {
  system: BenchSystem
  redis: { host: string; port: number; url: string }
  /** Every Redis key of this (workload, system) pair starts with it. */
  prefix: string
  log(message: string): void
}

export interface Measurement {
  /** The figure: median ops/s, or median bytes per entry for the heap workload. */
  value: number
  /** Every timed round's figure. */
  rounds: number[]
  /** Median loader calls per round, where the workload counts them. */
  loads?: number
  loadsRounds?: number[]
  /** Median milliseconds until every caller had its value (stampede and stale workloads). */
  ms?: number
  /** Anything a reader should know about this figure (a check that failed, a semantic difference). */
  notes?: string[]
}

export interface Workload {
  id: string
  title: string
  /** One sentence on what is timed, for RESULTS.md and the chart. */
  description: string
  unit: 'ops/s' | 'bytes/entry'
  layers: Layers
  /** Only systems that serve stale values while refreshing take part. */
  needsStaleWhileRevalidate?: boolean
  /** False to leave the floors out, where they would only show what is known by construction. */
  withFloors?: boolean
  /** Where loads are counted: what a perfect system scores per round. */
  idealLoads?: number
  run(context: WorkloadContext): Promise<Measurement>
}
