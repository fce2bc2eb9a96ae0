// Every workload, in the order the run takes them and the tables list them.

import { heap, heapSmall } from './heap.js'
import { l1Hit, l1l2Hit, l2Hit1, l2Hit64 } from './hit.js'
import { l1l2Miss64 } from './miss.js'
import { staleHit } from './stale.js'
import { stampede } from './stampede.js'
import { stampedeProcesses } from './stampede-processes.js'
import type { Workload } from './types.js'

export const WORKLOADS: readonly Workload[] = [
  l1Hit,
  l2Hit1,
  l2Hit64,
  l1l2Hit,
  l1l2Miss64,
  staleHit,
  stampede,
  stampedeProcesses,
  heap,
  heapSmall,
]

export function workloadById(id: string): Workload {
  const workload = WORKLOADS.find((candidate) => candidate.id === id)
  if (workload === undefined) {
    throw new RangeError(`no workload "${id}"; known: ${WORKLOADS.map((w) => w.id).join(', ')}`)
  }
  return workload
}
