import { describe, expect, it } from 'vitest'
import { CircuitBreaker } from '../src/circuit-breaker.js'

describe('CircuitBreaker', () => {
  it('opens after the threshold of failures in a row', () => {
    const breaker = new CircuitBreaker(3, 1_000)
    expect(breaker.failure(0)).toBe(false)
    expect(breaker.failure(0)).toBe(false)
    expect(breaker.failure(0)).toBe(true)
    expect(breaker.state(10)).toBe('open')
    expect(breaker.allow(10)).toBe(false)
  })

  it('a success resets the run of failures', () => {
    const breaker = new CircuitBreaker(2, 1_000)
    breaker.failure(0)
    breaker.success()
    expect(breaker.failure(0)).toBe(false)
    expect(breaker.state(0)).toBe('closed')
  })

  it('lets exactly one probe through after the cool-down, and closes when it succeeds', () => {
    const breaker = new CircuitBreaker(1, 1_000)
    breaker.failure(0)
    expect(breaker.allow(999)).toBe(false)
    expect(breaker.allow(1_000)).toBe(true)
    expect(breaker.allow(1_000)).toBe(false)
    expect(breaker.state(1_000)).toBe('half-open')
    expect(breaker.success()).toBe(true)
    expect(breaker.state(1_000)).toBe('closed')
    expect(breaker.allow(1_000)).toBe(true)
  })

  it('re-opens for another cool-down when the probe fails', () => {
    const breaker = new CircuitBreaker(1, 1_000)
    breaker.failure(0)
    expect(breaker.allow(1_000)).toBe(true)
    expect(breaker.failure(1_000)).toBe(true)
    expect(breaker.allow(1_500)).toBe(false)
    expect(breaker.allow(2_000)).toBe(true)
  })
})
