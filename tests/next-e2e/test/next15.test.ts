// Next 15 end to end: examples/next-15 built once, two `next start` processes over one real Redis.

import { afterAll, beforeAll } from 'vitest'
import { fleetCases, report } from './support/fleet-cases.js'
import { appDir, buildApp, type Fleet, startFleet } from './support/next-fleet.js'

let fleet: Fleet | undefined
const current = (): Fleet => {
  if (fleet === undefined) throw new Error('the fleet did not start')
  return fleet
}

beforeAll(async () => {
  const dir = appDir('@tiered/example-next-15')
  report(15, 'next build wall time (ms)', (await buildApp(dir)).toFixed(0))
  const started = performance.now()
  fleet = await startFleet(dir)
  report(15, 'two next start processes ready (ms)', (performance.now() - started).toFixed(0))
})

afterAll(async () => {
  await fleet?.stop()
})

fleetCases(15, current)
