// Next 15 end to end: examples/next-15 built once, two `next start` processes over one real Redis.

import { buildNextApp, type NextFleet, startNextFleet } from '@tiered/testing'
import { afterAll, beforeAll } from 'vitest'
import { appDir } from './support/apps.js'
import { fleetCases, report } from './support/fleet-cases.js'

let fleet: NextFleet | undefined
const current = (): NextFleet => {
  if (fleet === undefined) throw new Error('the fleet did not start')
  return fleet
}

beforeAll(async () => {
  const dir = appDir('@tiered/example-next-15')
  report(15, 'next build wall time (ms)', (await buildNextApp(dir)).toFixed(0))
  const started = performance.now()
  fleet = await startNextFleet(dir)
  report(15, 'two next start processes ready (ms)', (performance.now() - started).toFixed(0))
})

afterAll(async () => {
  await fleet?.stop()
})

fleetCases(15, current)
