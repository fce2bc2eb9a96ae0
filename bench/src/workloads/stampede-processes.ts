// Four processes sharing one Redis, 250 callers each on one cold key at the same instant: how many loads in all.
// Each process has its own memory tier and dedupes within itself; across processes only Redis is shared.

import { type ChildProcess, fork } from 'node:child_process'
import { endChild, nextMessage } from '../ipc.js'
import { median, repeatRounds } from '../measure.js'
import { STAMPEDE_LOAD_MS } from './stampede.js'
import type { WorkerCommand, WorkerReport } from './stampede-protocol.js'
import type { Workload } from './types.js'

const PROCESSES = 4
const CALLERS_PER_PROCESS = 250
/** Time from "go" to the agreed start instant, so every process fires together. */
const BARRIER_MS = 50

const isReport = (message: unknown): message is WorkerReport =>
  typeof message === 'object' && message !== null && 'type' in message

async function answer<T extends WorkerReport['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<WorkerReport, { type: T }>> {
  const message = await nextMessage(
    child,
    (m): m is WorkerReport => isReport(m) && (m.type === type || m.type === 'failed'),
    timeoutMs,
    `stampede worker ${child.pid}`,
  )
  if (message.type === 'failed') throw new Error(`stampede worker ${child.pid} failed: ${message.error}`)
  return message as Extract<WorkerReport, { type: T }>
}

export const stampedeProcesses: Workload = {
  id: 'stampede-4proc',
  title: 'Stampede, 4 processes',
  description: `${PROCESSES} processes (memory over one shared Redis) × ${CALLERS_PER_PROCESS} callers on one cold key, a ${STAMPEDE_LOAD_MS} ms loader; ideal: 1 load, per-process dedupe: ${PROCESSES}.`,
  unit: 'ops/s',
  layers: 'memory+redis',
  idealLoads: 1,
  // Without dedupe every caller loads (the 1-process stampede shows it); four processes would say it again.
  withFloors: false,
  async run({ system, redis, prefix }) {
    const workerUrl = new URL('./stampede-worker.ts', import.meta.url)
    const workers = Array.from({ length: PROCESSES }, () =>
      fork(workerUrl, [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    )
    const send = (command: WorkerCommand) => {
      for (const worker of workers) worker.send(command)
    }
    try {
      send({ type: 'setup', systemId: system.id, prefix, redis })
      await Promise.all(workers.map((worker) => answer(worker, 'ready', 30_000)))
      const rounds = await repeatRounds(async (round) => {
        const done = workers.map((worker) => answer(worker, 'done', 30_000))
        send({
          type: 'go',
          key: `stampede4:${round}`,
          callers: CALLERS_PER_PROCESS,
          startAt: Date.now() + BARRIER_MS,
          round,
        })
        const reports = await Promise.all(done)
        return {
          loads: reports.reduce((sum, r) => sum + r.loads, 0),
          ms: Math.max(...reports.map((r) => r.ms)),
          wrong: reports.reduce((sum, r) => sum + r.wrong, 0),
        }
      })
      const notes: string[] = []
      const wrong = rounds.reduce((sum, r) => sum + r.wrong, 0)
      if (wrong > 0) notes.push(`${wrong} callers got a wrong or missing value`)
      const total = PROCESSES * CALLERS_PER_PROCESS
      const ms = median(rounds.map((r) => r.ms))
      return {
        value: (total / ms) * 1_000,
        rounds: rounds.map((r) => (total / r.ms) * 1_000),
        ms,
        loads: median(rounds.map((r) => r.loads)),
        loadsRounds: rounds.map((r) => r.loads),
        notes,
      }
    } finally {
      for (const worker of workers)
        if (worker.connected) worker.send({ type: 'stop' } satisfies WorkerCommand)
      await Promise.all(workers.map((worker) => endChild(worker)))
    }
  },
}
