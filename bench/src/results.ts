// The shape of results.json, and the arithmetic on it: ratios to the best peer and to the floor, and the
// issue's targets checked against one run.

import type { FleetResults } from './fleet/bench.js'
import type { Layers, Role } from './systems/types.js'
import type { Measurement, Workload } from './workloads/types.js'

export interface SystemResult {
  system: string
  label: string
  role: Role
  /** Median ops/s, or bytes per entry; null when the measurement failed. */
  value: number | null
  rounds: number[]
  loads?: number
  loadsRounds?: number[]
  ms?: number
  /** Keys the pair left in Redis before the runner deleted its prefix (proves the L2 was used). */
  redisKeys?: number
  /** How many times better than the best peer (>1 better, <1 worse); for bytes, the peer's bytes over ours. */
  ratioToBestPeer: number | null
  /** The same against the best floor. */
  ratioToFloor: number | null
  notes: string[]
  error?: string
  seconds: number
}

export interface WorkloadResult {
  id: string
  title: string
  description: string
  unit: Workload['unit']
  better: 'higher' | 'lower'
  layers: Layers
  idealLoads?: number
  bestPeer: string | null
  floor: string | null
  results: SystemResult[]
  /** Systems left out of this workload, and why. */
  excluded: { system: string; reason: string }[]
}

export interface TargetResult {
  id: string
  text: string
  workload: string
  measured: number | null
  threshold: number | null
  /** null: reported, not a target, or not measured. */
  holds: boolean | null
  verdict: 'holds' | 'fails' | 'reported' | 'not measured'
  detail: string
}

export interface BenchResults {
  generatedAt: string
  durationSeconds: number
  machine: {
    node: string
    v8: string
    platform: string
    cpu: string
    cores: number
    memoryGiB: number
    loadAverageAtStart: number[]
    loadAverageAtEnd: number[]
  }
  redis: { version: string }
  method: {
    warmupRounds: number
    rounds: number
    roundMs: number
    heapRounds: number
    ttlMs: number
    isolation: string
  }
  versions: Record<string, string>
  workloads: WorkloadResult[]
  targets: TargetResult[]
  /** The fleet workloads (bench/src/fleet), when they ran. */
  fleet?: FleetResults
}

export function toSystemResult(
  base: Pick<SystemResult, 'system' | 'label' | 'role' | 'seconds'>,
  outcome: { measurement: Measurement } | { error: string },
): SystemResult {
  if ('error' in outcome) {
    return {
      ...base,
      value: null,
      rounds: [],
      ratioToBestPeer: null,
      ratioToFloor: null,
      notes: [],
      error: outcome.error,
    }
  }
  const { measurement } = outcome
  const result: SystemResult = {
    ...base,
    value: measurement.value,
    rounds: measurement.rounds,
    ratioToBestPeer: null,
    ratioToFloor: null,
    notes: measurement.notes ?? [],
  }
  if (measurement.loads !== undefined) result.loads = measurement.loads
  if (measurement.loadsRounds !== undefined) result.loadsRounds = measurement.loadsRounds
  if (measurement.ms !== undefined) result.ms = measurement.ms
  return result
}

function best(
  results: readonly SystemResult[],
  role: Role,
  better: 'higher' | 'lower',
): SystemResult | undefined {
  let chosen: SystemResult | undefined
  for (const result of results) {
    if (result.role !== role || result.value === null) continue
    if (
      chosen === undefined ||
      (better === 'higher'
        ? result.value > (chosen.value as number)
        : result.value < (chosen.value as number))
    ) {
      chosen = result
    }
  }
  return chosen
}

/** Fills bestPeer, floor and every row's ratios; a ratio above 1 always means better than the reference. */
export function addRatios(workload: WorkloadResult): void {
  const peer = best(workload.results, 'peer', workload.better)
  const floor = best(workload.results, 'floor', workload.better)
  workload.bestPeer = peer?.system ?? null
  workload.floor = floor?.system ?? null
  const ratio = (value: number | null, reference: SystemResult | undefined): number | null => {
    if (value === null || reference === undefined || reference.value === null) return null
    return workload.better === 'higher' ? value / reference.value : reference.value / value
  }
  for (const result of workload.results) {
    result.ratioToBestPeer = ratio(result.value, peer)
    result.ratioToFloor = ratio(result.value, floor)
  }
}

function tieredOf(workloads: readonly WorkloadResult[], id: string): SystemResult | undefined {
  return workloads.find((w) => w.id === id)?.results.find((r) => r.system === 'tiered')
}

function ratioTarget(
  workloads: readonly WorkloadResult[],
  id: string,
  workload: string,
  against: 'peer' | 'floor',
  threshold: number,
  text: string,
): TargetResult {
  const tiered = tieredOf(workloads, workload)
  const measured = (against === 'peer' ? tiered?.ratioToBestPeer : tiered?.ratioToFloor) ?? null
  const reference =
    workloads.find((w) => w.id === workload)?.[against === 'peer' ? 'bestPeer' : 'floor'] ?? 'none'
  return {
    id,
    text,
    workload,
    measured,
    threshold,
    holds: measured === null ? null : measured >= threshold,
    verdict: measured === null ? 'not measured' : measured >= threshold ? 'holds' : 'fails',
    detail:
      measured === null
        ? 'not measured'
        : `${measured.toFixed(3)}× ${against === 'peer' ? 'the best peer' : 'the best floor'} (${reference})`,
  }
}

export function checkTargets(workloads: readonly WorkloadResult[]): TargetResult[] {
  const targets = [
    ratioTarget(workloads, 'l1-hit', 'l1-hit', 'peer', 10, 'Fresh L1 hit ≥ 10× the best peer'),
    ratioTarget(workloads, 'l2-hit-1', 'l2-hit-1', 'floor', 0.95, 'L2 hit, 1 caller ≥ 0.95× raw ioredis'),
    ratioTarget(workloads, 'l2-hit-64', 'l2-hit-64', 'floor', 1.0, 'L2 hit, 64 callers ≥ 1.0× raw ioredis'),
    ratioTarget(
      workloads,
      'l1l2-miss-64',
      'l1l2-miss-64',
      'peer',
      1.5,
      'L1+L2 miss, 64 callers ≥ 1.5× the best peer',
    ),
    // For bytes the ratio is the floor's over ours: at most 1.6× the Map's bytes is a ratio of at least 1 / 1.6.
    ratioTarget(
      workloads,
      'heap-small',
      'heap-small',
      'floor',
      1 / 1.6,
      'Heap per small entry ≤ 1.6× a bare Map',
    ),
  ]
  const single = tieredOf(workloads, 'stampede')
  const mostLoads = single?.loadsRounds?.length ? Math.max(...single.loadsRounds) : null
  targets.push({
    id: 'stampede',
    text: 'One load on the single-process stampede (every round)',
    workload: 'stampede',
    measured: mostLoads,
    threshold: 1,
    holds: mostLoads === null ? null : mostLoads === 1,
    verdict: mostLoads === null ? 'not measured' : mostLoads === 1 ? 'holds' : 'fails',
    detail: mostLoads === null ? 'not measured' : `loads per round: ${single?.loadsRounds?.join(', ')}`,
  })
  const multi = workloads.find((w) => w.id === 'stampede-4proc')
  const tieredMulti = tieredOf(workloads, 'stampede-4proc')
  targets.push({
    id: 'stampede-4proc',
    text: 'Four-process stampede: reported',
    workload: 'stampede-4proc',
    measured: tieredMulti?.loads ?? null,
    threshold: null,
    holds: null,
    verdict: multi === undefined ? 'not measured' : 'reported',
    detail:
      multi === undefined
        ? 'not measured'
        : multi.results.map((r) => `${r.system} ${r.loads ?? 'n/a'}`).join(', ') +
          ' loads (median per round)',
  })
  return targets
}
