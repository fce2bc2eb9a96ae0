// The cases every major's e2e runs against its fleet: a page rendered once serves both processes, a cold page
// asked for by both at once renders once, revalidation from a route reaches the other process, and pages answer
// while Redis is SIGSTOPped. Figures go to the console as `[e2e next<major>]` lines (the closing note quotes them).

import {
  buildNextApp,
  elementText,
  fetchPage,
  type NextFleet,
  percentile,
  startNextFleet,
  waitUntil,
} from '@tiered/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { appDir } from './apps.js'

export function report(major: number, what: string, figure: unknown): void {
  console.log(`[e2e next${major}] ${what}: ${typeof figure === 'string' ? figure : JSON.stringify(figure)}`)
}

/**
 * Builds the example app of `major` once (timed), starts its fleet before the file's tests and stops it after them;
 * returns the fleet for the tests.
 */
export function useFleet(major: 15 | 16): () => NextFleet {
  let fleet: NextFleet | undefined
  beforeAll(async () => {
    const dir = appDir(`@tiered/example-next-${major}`)
    report(major, 'next build wall time (ms)', (await buildNextApp(dir)).toFixed(0))
    const started = performance.now()
    fleet = await startNextFleet(dir)
    report(major, 'two next start processes ready (ms)', (performance.now() - started).toFixed(0))
  })
  afterAll(async () => {
    await fleet?.stop()
  })
  return () => {
    if (fleet === undefined) throw new Error('the fleet did not start')
    return fleet
  }
}

export function fleetCases(major: 15 | 16, fleet: () => NextFleet): void {
  const stamp = async (base: string, path: string) => elementText(await fetchPage(base, path), 'stamp')

  it('a page rendered in one process is served by the other without a render', async () => {
    const [a, b] = fleet().members
    const first = await stamp(a.url, '/isr/1')
    expect(await fleet().renders('isr:1')).toBe(1)
    expect(await stamp(b.url, '/isr/1')).toBe(first)
    expect(await stamp(a.url, '/isr/1')).toBe(first)
    // Past Next's default revalidate of 1 s for a page its process never rendered: still no render.
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(await stamp(b.url, '/isr/1')).toBe(first)
    await new Promise((resolve) => setTimeout(resolve, 500)) // a background render would have counted by now
    expect(await fleet().renders('isr:1')).toBe(1)
    report(
      major,
      'renders for /isr/1 after 4 requests on 2 processes over 2 s',
      await fleet().renders('isr:1'),
    )
  })

  it('a cold page requested from both processes at once is rendered once', async () => {
    const [a, b] = fleet().members
    const [fromA, fromB] = await Promise.all([stamp(a.url, '/isr/2'), stamp(b.url, '/isr/2')])
    expect(fromA).toBe(fromB)
    expect(await fleet().renders('isr:2')).toBe(1)
    report(major, 'renders for cold /isr/2 asked from both at once', await fleet().renders('isr:2'))
  })

  it('revalidatePath from a route in one process reaches the other at once', async () => {
    const [a, b] = fleet().members
    const before = await stamp(b.url, '/isr/1')
    const rendersBefore = await fleet().renders('isr:1')
    const response = await fetch(`${a.url}/api/revalidate?path=/isr/1`, { method: 'POST' })
    expect(response.status).toBe(200)
    await response.json()
    // Next runs the revalidation after the response is sent: poll the other process.
    const ms = await waitUntil(5_000, async () => (await stamp(b.url, '/isr/1')) !== before)
    report(major, 'revalidatePath in a -> new page served by b (ms after the route answered)', ms.toFixed(0))
    const after = await stamp(b.url, '/isr/1')
    expect(await stamp(a.url, '/isr/1')).toBe(after)
    expect(await fleet().renders('isr:1')).toBe(rendersBefore + 1)
  })

  it('revalidateTag from a route in one process reaches the other at once', async () => {
    const [a, b] = fleet().members
    const before = await stamp(b.url, '/isr/2')
    const response = await fetch(`${a.url}/api/revalidate?tag=products`, { method: 'POST' })
    expect(response.status).toBe(200)
    await response.json()
    const ms = await waitUntil(5_000, async () => (await stamp(b.url, '/isr/2')) !== before)
    report(
      major,
      'revalidateTag(products) in a -> new page served by b (ms after the route answered)',
      ms.toFixed(0),
    )
    expect(await stamp(a.url, '/isr/2')).toBe(await stamp(b.url, '/isr/2'))
  })

  it('pages answer from memory while Redis is SIGSTOPped: no failed request', async () => {
    const fleetNow = fleet()
    const [a, b] = fleetNow.members
    const paths = ['/isr/1', '/isr/2']
    for (const member of [a, b]) for (const path of paths) await fetchPage(member.url, path)
    const latencies: number[] = []
    let failures = 0
    const worker = async (base: string, count: number) => {
      for (let i = 0; i < count; i++) {
        const started = performance.now()
        try {
          await fetchPage(base, paths[i % paths.length] ?? '/isr/1')
        } catch {
          failures += 1
        }
        latencies.push(performance.now() - started)
      }
    }
    fleetNow.redis.kill('SIGSTOP')
    try {
      await Promise.all([worker(a.url, 30), worker(a.url, 30), worker(b.url, 30), worker(b.url, 30)])
    } finally {
      fleetNow.redis.kill('SIGCONT')
    }
    const figures = {
      requests: latencies.length,
      failures,
      p50: percentile(latencies, 0.5).toFixed(1),
      p99: percentile(latencies, 0.99).toFixed(1),
      max: Math.max(...latencies).toFixed(1),
    }
    report(major, 'warm pages with Redis SIGSTOPped (ms)', figures)
    expect(failures).toBe(0)
    // After Redis is back, the fleet works on: a new page renders and is served by the other process.
    const fresh = await stamp(a.url, '/isr/3')
    await waitUntil(5_000, async () => (await stamp(b.url, '/isr/3')) === fresh)
  })
}
