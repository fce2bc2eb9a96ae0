// One (workload, system) measurement in a process of its own, so no system's JIT state, garbage or timers
// colour another's figure. The runner forks it and sends a task; before each round the child says it is ready
// and waits for its turn, so the runner can interleave the rounds of every system; at the end it sends the
// measurement or the error.

import { setRoundGate } from './measure.js'
import { loadSystem } from './systems/registry.js'
import { workloadById } from './workloads/registry.js'
import type { Measurement } from './workloads/types.js'

export interface ChildTask {
  type: 'task'
  workloadId: string
  systemId: string
  prefix: string
  redis: { host: string; port: number; url: string }
}

/** From the runner: the task, then one `turn` per round. */
export type RunnerCommand = ChildTask | { type: 'turn' }

export type ChildReport =
  | { type: 'ready' }
  | { type: 'result'; measurement: Measurement }
  | { type: 'error'; error: string }

function send(report: ChildReport): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) {
      console.log(JSON.stringify(report))
      resolve()
    } else process.send(report, () => resolve())
  })
}

setRoundGate(
  () =>
    new Promise<void>((resolve) => {
      const onTurn = (command: RunnerCommand) => {
        if (command.type !== 'turn') return
        process.off('message', onTurn)
        resolve()
      }
      process.on('message', onTurn)
      void send({ type: 'ready' })
    }),
)

const onTask = (command: RunnerCommand) => {
  if (command.type !== 'task') return
  process.off('message', onTask)
  const task = command
  const run = async (): Promise<ChildReport> => {
    try {
      const workload = workloadById(task.workloadId)
      const system = await loadSystem(task.systemId)
      const measurement = await workload.run({
        system,
        redis: task.redis,
        prefix: task.prefix,
        log: (message) => console.log(`    ${message}`),
      })
      return { type: 'result', measurement }
    } catch (error) {
      return { type: 'error', error: error instanceof Error ? (error.stack ?? error.message) : String(error) }
    }
  }
  // Some peers keep timers or sockets after close; the figure is in, so the process ends here.
  run()
    .then(send)
    .finally(() => process.exit(0))
}
process.on('message', onTask)
