// Runs the systems of one workload side by side, each in a process of its own, and hands out their rounds in
// turn: system A's round 1, B's round 1, ..., then A's round 2. A process waits (idle) while another measures, so
// isolation is kept, and a change in the machine's load lands on every system's rounds alike.

import { type ChildProcess, fork } from 'node:child_process'
import type { ChildReport, ChildTask, RunnerCommand } from './child.js'
import { endChild, nextMessage } from './ipc.js'
import type { Measurement } from './workloads/types.js'

export type Outcome = { measurement: Measurement } | { error: string }

export interface Contestant {
  systemId: string
  prefix: string
}

/** Most turns one workload can take: warm-up and timed rounds are far fewer; a bound for a confused child. */
const MAX_TURNS = 1_000

const live = new Set<ChildProcess>()

/** Kills every measuring process at once (for Ctrl-C). */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL')
}

const isReport = (message: unknown): message is ChildReport =>
  typeof message === 'object' && message !== null && 'type' in message

export async function measureInTurns(
  workloadId: string,
  contestants: readonly Contestant[],
  redis: ChildTask['redis'],
  turnTimeoutMs: number,
): Promise<{ outcome: Outcome; seconds: number }[]> {
  const entries = contestants.map((contestant) => {
    const child = fork(new URL('./child.ts', import.meta.url), [], {
      execArgv: [...process.execArgv, '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    live.add(child)
    return { ...contestant, child, busyMs: 0 }
  })
  const next = (entry: (typeof entries)[number]): Promise<ChildReport> =>
    nextMessage(entry.child, isReport, turnTimeoutMs, `${workloadId} / ${entry.systemId}`).catch(
      (error: unknown): ChildReport => ({
        type: 'error',
        error: error instanceof Error ? error.message : String(error),
      }),
    )
  try {
    // Every process sets up (imports, connects, primes) at the same time; nothing is timed yet.
    const first = entries.map(next)
    for (const entry of entries) {
      const task: RunnerCommand = {
        type: 'task',
        workloadId,
        systemId: entry.systemId,
        prefix: entry.prefix,
        redis,
      }
      entry.child.send(task)
    }
    const pending = await Promise.all(first)
    for (let turn = 0; turn < MAX_TURNS; turn++) {
      let waiting = false
      for (let i = 0; i < entries.length; i++) {
        if (pending[i]?.type !== 'ready') continue
        waiting = true
        const entry = entries[i] as (typeof entries)[number]
        const started = performance.now()
        const reply = next(entry)
        entry.child.send({ type: 'turn' } satisfies RunnerCommand)
        pending[i] = await reply
        entry.busyMs += performance.now() - started
      }
      if (!waiting) break
    }
    return entries.map((entry, i) => {
      const report = pending[i] as ChildReport
      const outcome: Outcome =
        report.type === 'result'
          ? { measurement: report.measurement }
          : { error: report.type === 'error' ? report.error : 'still waiting for a turn after the last one' }
      return { outcome, seconds: entry.busyMs / 1_000 }
    })
  } finally {
    await Promise.all(
      entries.map(async (entry) => {
        await endChild(entry.child)
        live.delete(entry.child)
      }),
    )
  }
}
