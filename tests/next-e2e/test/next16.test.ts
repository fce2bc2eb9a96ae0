// Next 16 end to end: examples/next-16 built once, two `next start` processes over one real Redis.

import { afterAll, beforeAll, expect, it } from 'vitest'
import { fleetCases, report } from './support/fleet-cases.js'
import { appDir, buildApp, type Fleet, page, startFleet, textOf, within } from './support/next-fleet.js'

let fleet: Fleet | undefined
const current = (): Fleet => {
  if (fleet === undefined) throw new Error('the fleet did not start')
  return fleet
}

beforeAll(async () => {
  const dir = appDir('@tiered/example-next-16')
  report(16, 'next build wall time (ms)', (await buildApp(dir)).toFixed(0))
  const started = performance.now()
  fleet = await startFleet(dir)
  report(16, 'two next start processes ready (ms)', (performance.now() - started).toFixed(0))
})

afterAll(async () => {
  await fleet?.stop()
})

fleetCases(16, current)

it("a 'use cache' function runs once per fleet, and its tag revalidated in one process reaches the other", async () => {
  const [a, b] = current().members
  const first = textOf(await page(a.url, '/uc'), 'value')
  expect(textOf(await page(b.url, '/uc'), 'value')).toBe(first)
  expect(await current().renders('uc')).toBe(1)
  const response = await fetch(`${a.url}/api/revalidate?tag=uc`, { method: 'POST' })
  await response.json()
  const ms = await within(5_000, async () => textOf(await page(b.url, '/uc'), 'value') !== first)
  report(16, "revalidateTag(uc) in a -> new 'use cache' value in b (ms)", ms.toFixed(0))
  expect(textOf(await page(a.url, '/uc'), 'value')).toBe(textOf(await page(b.url, '/uc'), 'value'))
  expect(await current().renders('uc')).toBe(2)
})
