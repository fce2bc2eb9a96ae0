// Next 16 end to end: examples/next-16 built once, two `next start` processes over one real Redis.

import {
  buildNextApp,
  elementText,
  fetchPage,
  type NextFleet,
  startNextFleet,
  waitUntil,
} from '@tiered/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { appDir } from './support/apps.js'
import { fleetCases, report } from './support/fleet-cases.js'

let fleet: NextFleet | undefined
const current = (): NextFleet => {
  if (fleet === undefined) throw new Error('the fleet did not start')
  return fleet
}

beforeAll(async () => {
  const dir = appDir('@tiered/example-next-16')
  report(16, 'next build wall time (ms)', (await buildNextApp(dir)).toFixed(0))
  const started = performance.now()
  fleet = await startNextFleet(dir)
  report(16, 'two next start processes ready (ms)', (performance.now() - started).toFixed(0))
})

afterAll(async () => {
  await fleet?.stop()
})

fleetCases(16, current)

it("a 'use cache' function runs once per fleet, and its tag revalidated in one process reaches the other", async () => {
  const [a, b] = current().members
  const first = elementText(await fetchPage(a.url, '/uc'), 'value')
  expect(elementText(await fetchPage(b.url, '/uc'), 'value')).toBe(first)
  expect(await current().renders('uc')).toBe(1)
  const response = await fetch(`${a.url}/api/revalidate?tag=uc`, { method: 'POST' })
  await response.json()
  const ms = await waitUntil(5_000, async () => elementText(await fetchPage(b.url, '/uc'), 'value') !== first)
  report(16, "revalidateTag(uc) in a -> new 'use cache' value in b (ms)", ms.toFixed(0))
  expect(elementText(await fetchPage(a.url, '/uc'), 'value')).toBe(
    elementText(await fetchPage(b.url, '/uc'), 'value'),
  )
  expect(await current().renders('uc')).toBe(2)
})
