import { setTimeout } from 'node:timers/promises'
import { createClock } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import { Circuit, type CircuitWatch } from '../src/health.js'

function watch(now = createClock().now) {
  const events: string[] = []
  const host: CircuitWatch = {
    now,
    opened: (failures, retryAt) => events.push(`open ${failures} ${retryAt}`),
    closed: () => events.push('closed'),
  }
  return { host, events }
}

describe('Circuit', () => {
  it('opens once, at the threshold-th failure in a row, with retryAt on the injected clock', () => {
    const clock = createClock(5_000)
    const { host, events } = watch(clock.now)
    const circuit = new Circuit({ threshold: 3, probeMs: 1_000 }, () => new Promise(() => {}), host)
    circuit.failure()
    circuit.failure()
    expect(circuit.open).toBe(false)
    circuit.failure()
    circuit.failure()
    expect(circuit.open).toBe(true)
    expect(circuit.retryAt).toBe(6_000)
    expect(events).toEqual(['open 3 6000'])
    expect(circuit.stats()).toEqual({ circuit: 'open', failures: 4 })
    circuit.stop()
  })

  it('a success ends the run of failures', () => {
    const { host } = watch()
    const circuit = new Circuit({ threshold: 2, probeMs: 1_000 }, async () => true, host)
    circuit.failure()
    circuit.success()
    circuit.failure()
    expect(circuit.open).toBe(false)
    expect(circuit.failing).toBe(true)
    circuit.success()
    expect(circuit.failing).toBe(false)
  })

  it('probes every cooldown in the background until a probe answers, then closes', async () => {
    const { host, events } = watch()
    let healthy = false
    const probe = vi.fn(async () => healthy)
    const circuit = new Circuit({ threshold: 1, probeMs: 10 }, probe, host)
    circuit.failure()
    await vi.waitFor(() => expect(probe.mock.calls.length).toBeGreaterThanOrEqual(2), { timeout: 2_000 })
    expect(circuit.open).toBe(true)
    healthy = true
    await vi.waitFor(() => expect(circuit.open).toBe(false), { timeout: 2_000 })
    expect(events.at(-1)).toBe('closed')
    expect(circuit.stats()).toEqual({ circuit: 'closed', failures: 0 })
    const probes = probe.mock.calls.length
    await setTimeout(40)
    expect(probe.mock.calls.length).toBe(probes)
  })

  it('a probe that rejects counts as unhealthy; stop() ends the probes', async () => {
    const { host } = watch()
    const probe = vi.fn(() => Promise.reject(new Error('down')))
    const circuit = new Circuit({ threshold: 1, probeMs: 10 }, probe, host)
    circuit.failure()
    await vi.waitFor(() => expect(probe).toHaveBeenCalled(), { timeout: 2_000 })
    circuit.stop()
    const probes = probe.mock.calls.length
    await setTimeout(40)
    expect(probe.mock.calls.length).toBeLessThanOrEqual(probes + 1)
    expect(circuit.open).toBe(true)
  })

  it('probeNow() probes an open circuit at once instead of at the next cooldown', async () => {
    const { host } = watch()
    const probe = vi.fn(async () => true)
    const circuit = new Circuit({ threshold: 1, probeMs: 3_600_000 }, probe, host)
    circuit.probeNow()
    expect(probe).not.toHaveBeenCalled()
    circuit.failure()
    circuit.probeNow()
    expect(probe).toHaveBeenCalledTimes(1)
    await vi.waitFor(() => expect(circuit.open).toBe(false), { timeout: 2_000 })
  })
})
