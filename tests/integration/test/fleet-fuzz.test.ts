// Rule 6 under load (DESIGN "Fleet", lock rule 6): four real processes over one Redis with the bus and the lock,
// short fresh and ttl, and concurrent swr, swrMany, forceFresh, set, delete and deleteByTag calls for a few
// seconds. Every call resolves a value some loader (or set) in the fleet produced; none rejects or resolves
// undefined, whatever flight it joins.

import { afterAll, expect, inject, it } from 'vitest'
import { type Fleet, startFleet } from './support/fleet-harness.js'
import { uniquePrefix } from './support/redis.js'

let fleet: Fleet | undefined
afterAll(async () => {
  await fleet?.stop()
})

it('every call of a fleet under random load resolves a value a loader or a set produced', async () => {
  fleet = await startFleet(4, {
    redis: { url: inject('redisUrl') },
    prefix: uniquePrefix('fuzz'),
    freshMs: 40,
    ttlMs: 120,
    lockTtlMs: 2_000,
  })
  const runs = await Promise.all(
    fleet.members.map((member, i) =>
      member.fuzz({ keys: 12, durationMs: 3_000, workers: 8, loadMs: 20, seed: 0x9e3779b9 + i }),
    ),
  )
  const produced = new Set(runs.flatMap((run) => run.produced))
  const strangers = runs.flatMap((run) => run.answers.filter((answer) => !produced.has(answer)))
  expect(runs.flatMap((run) => run.broken)).toEqual([])
  expect(strangers).toEqual([])
  // The run did what it says: many calls, many of them answered by values of other processes.
  expect(runs.reduce((sum, run) => sum + run.calls, 0)).toBeGreaterThan(200)
}, 60_000)
