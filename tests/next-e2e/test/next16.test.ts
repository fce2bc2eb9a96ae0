// Next 16 end to end: examples/next-16 built once, two `next start` processes over one real Redis.

import { elementText, fetchPage, waitUntil } from '@tiered/testing'
import { expect, it } from 'vitest'
import { fleetCases, report, useFleet } from './support/fleet-cases.js'

const current = useFleet(16)

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
