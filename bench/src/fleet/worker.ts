// One process of the fleet benchmark: builds its cache (tiered or bentocache, memory over the shared Redis, with a
// Redis bus) and runs what the benchmark asks of it, reporting loads and wall-clock instants.

import { type BenchValue, makeValue, sleep } from '../value.js'
import type { FleetWorkerCommand, FleetWorkerReport } from './protocol.js'
import { createFleetCache, type FleetCache, type FleetSetup, type FleetSystemId } from './systems.js'

let cache: FleetCache | undefined
let system: FleetSystemId = 'tiered'
let setup: FleetSetup | undefined

function report(message: FleetWorkerReport): void {
  process.send?.(message)
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable between processes of one machine. */
const wallNow = () => performance.timeOrigin + performance.now()
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve))

async function stampede(command: Extract<FleetWorkerCommand, { type: 'stampede' }>): Promise<void> {
  const cold = cache as FleetCache
  let loads = 0
  const load = async (): Promise<BenchValue> => {
    loads++
    await sleep(command.loadMs)
    return makeValue(command.round)
  }
  await sleep(Math.max(0, command.startAt - Date.now()))
  const started = performance.now()
  const values = await Promise.all(
    Array.from({ length: command.callers }, () => cold.fetch(command.key, load)),
  )
  const ms = performance.now() - started
  report({ type: 'stampede', loads, ms, wrong: values.filter((value) => value?.id !== command.round).length })
}

async function watch(command: Extract<FleetWorkerCommand, { type: 'watch' }>): Promise<void> {
  const c = cache as FleetCache
  const deadline = performance.now() + command.timeoutMs
  // Hold `version` in memory first: read until it is there, then once more after the writer's own notice passed.
  while ((await c.get(command.key))?.version !== command.version) {
    if (performance.now() > deadline)
      throw new Error(`never saw version ${command.version} of ${command.key}`)
    await sleep(1)
  }
  await sleep(20)
  if ((await c.get(command.key))?.version !== command.version) throw new Error('the held version changed')
  report({ type: 'watching' })
  while (performance.now() < deadline) {
    const value = await c.get(command.key)
    if (value?.version !== command.version) {
      report({ type: 'seen', at: wallNow() })
      return
    }
    await yieldToIo()
  }
  report({ type: 'seen', at: null })
}

async function steady(command: Extract<FleetWorkerCommand, { type: 'steady' }>): Promise<void> {
  const c = cache as FleetCache
  let loads = 0
  let reads = 0
  let version = 0
  const loaders = Array.from({ length: command.keys }, (_, id) => async () => {
    if (Date.now() >= command.from) loads++
    await sleep(command.loadMs)
    return makeValue(id, ++version)
  })
  const caller = async () => {
    for (let n = 0; n < 10_000_000 && Date.now() < command.until; n++) {
      const id = Math.floor(Math.random() * command.keys)
      await c.fetch(`steady:${id}`, loaders[id] as () => Promise<BenchValue>)
      if (Date.now() >= command.from) reads++
      // Requests arrive paced, as from a server's sockets; the bus and timers run between them.
      await sleep(1)
    }
  }
  await Promise.all(Array.from({ length: command.callers }, caller))
  report({ type: 'steady', loads, reads })
}

async function hits(command: Extract<FleetWorkerCommand, { type: 'hits' }>): Promise<void> {
  const base = setup as FleetSetup
  const withBus = await createFleetCache(system, { ...base, prefix: `${base.prefix}bus:`, bus: true })
  const without = await createFleetCache(system, { ...base, prefix: `${base.prefix}nobus:`, bus: false })
  await Promise.all([withBus.ready(), without.ready()])
  const keys = Array.from({ length: command.keys }, (_, i) => `hit:${i}`)
  for (const c of [withBus, without]) {
    for (const [i, key] of keys.entries()) await c.fetch(key, async () => makeValue(i))
  }
  const load = async () => makeValue(-1)
  const round = async (c: FleetCache): Promise<number> => {
    let ops = 0
    const started = performance.now()
    const end = started + command.roundMs
    while (performance.now() < end) {
      for (const key of keys) await c.fetch(key, load)
      ops += keys.length
    }
    return (ops / (performance.now() - started)) * 1_000
  }
  const figures = { withBus: [] as number[], without: [] as number[] }
  // One warm-up round each, then alternating rounds, the order flipped each time, so drift hits both alike.
  await round(withBus)
  await round(without)
  for (let r = 0; r < command.rounds; r++) {
    const order = r % 2 === 0 ? ([withBus, without] as const) : ([without, withBus] as const)
    for (const c of order) (c === withBus ? figures.withBus : figures.without).push(await round(c))
  }
  await Promise.all([withBus.close(), without.close()])
  report({ type: 'hits', ...figures })
}

process.on('message', (command: FleetWorkerCommand) => {
  const run = async () => {
    switch (command.type) {
      case 'setup':
        system = command.system
        setup = command.setup
        cache = await createFleetCache(command.system, command.setup)
        await cache.ready()
        // Open the connections before anything is timed.
        await cache.fetch(`warm:${process.pid}`, async () => makeValue(0))
        report({ type: 'ready' })
        return
      case 'stampede':
        return stampede(command)
      case 'watch':
        return watch(command)
      case 'set':
        await (cache as FleetCache).set(command.key, makeValue(1, command.version))
        report({ type: 'set', at: wallNow() })
        return
      case 'steady':
        return steady(command)
      case 'hits':
        return hits(command)
      case 'stop':
        await cache?.close()
        process.exit(0)
    }
  }
  run().catch((error: unknown) => {
    report({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  })
})
process.on('disconnect', () => process.exit(0))
