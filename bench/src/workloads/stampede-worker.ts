// One of the four processes of the multi-process stampede: builds its own cache over the shared Redis, then on
// each "go" fires its callers at one cold key at the agreed instant and reports how many loads it ran.

import { TTL_MS } from '../settings.js'
import { loadSystem } from '../systems/registry.js'
import type { CacheUnderTest } from '../systems/types.js'
import { type BenchValue, makeValue, sleep } from '../value.js'
import { STAMPEDE_LOAD_MS } from './stampede.js'
import type { WorkerCommand, WorkerReport } from './stampede-protocol.js'

let cache: CacheUnderTest | undefined

function report(message: WorkerReport): void {
  process.send?.(message)
}

async function fire(key: string, callers: number, startAt: number, round: number): Promise<void> {
  const cold = cache as CacheUnderTest
  let loads = 0
  const load = async (): Promise<BenchValue> => {
    loads++
    await sleep(STAMPEDE_LOAD_MS)
    return makeValue(round)
  }
  await sleep(Math.max(0, startAt - Date.now()))
  const started = performance.now()
  const calls: Promise<BenchValue | undefined>[] = []
  for (let c = 0; c < callers; c++) calls.push(cold.fetch(key, load))
  const values = await Promise.all(calls)
  const ms = performance.now() - started
  report({ type: 'done', loads, ms, wrong: values.filter((value) => value?.id !== round).length })
}

process.on('message', (command: WorkerCommand) => {
  const run = async () => {
    if (command.type === 'setup') {
      const system = await loadSystem(command.systemId)
      cache = await system.create({
        layers: 'memory+redis',
        prefix: command.prefix,
        redis: command.redis,
        freshMs: TTL_MS,
        ttlMs: TTL_MS,
      })
      // Open the connections before the first timed round.
      await cache.fetch(`warm:${process.pid}`, async () => makeValue(0))
      report({ type: 'ready' })
    } else if (command.type === 'go') {
      await fire(command.key, command.callers, command.startAt, command.round)
    } else {
      await cache?.close()
      process.exit(0)
    }
  }
  run().catch((error: unknown) => {
    report({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  })
})
