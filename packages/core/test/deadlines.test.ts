import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it, vi } from 'vitest'
import { Deadlines } from '../src/deadlines.js'

describe('Deadlines', () => {
  it('times out the calls not finished within the timeout, in the order they started', async () => {
    const deadlines = new Deadlines(20)
    const timedOut: string[] = []
    deadlines.start(() => timedOut.push('first'))
    const finished = deadlines.start(() => timedOut.push('finished'))
    deadlines.start(() => timedOut.push('third'))
    finished.finish()
    await vi.waitFor(() => expect(timedOut).toEqual(['first', 'third']), { timeout: 2_000 })
  })

  it('never calls onTimeout before the timeout', async () => {
    const deadlines = new Deadlines(200)
    const started = performance.now()
    let firedAfter: number | undefined
    deadlines.start(() => {
      firedAfter = performance.now() - started
    })
    await vi.waitFor(() => expect(firedAfter).toBeDefined(), { timeout: 3_000 })
    expect(firedAfter).toBeGreaterThanOrEqual(199)
  })

  it('a call that starts later gets its own full timeout', async () => {
    // Each call's own elapsed time is measured, not polled: a poll on a busy machine may come late enough to see
    // both timed out at once.
    const deadlines = new Deadlines(60)
    const timedOut: string[] = []
    const after: Record<string, number> = {}
    const start = (name: string) => {
      const started = performance.now()
      deadlines.start(() => {
        timedOut.push(name)
        after[name] = performance.now() - started
      })
    }
    start('early')
    await sleep(40)
    start('late')
    await vi.waitFor(() => expect(timedOut).toEqual(['early', 'late']), { timeout: 5_000 })
    expect(after.early).toBeGreaterThanOrEqual(60)
    expect(after.late).toBeGreaterThanOrEqual(60)
  })
})
