import { describe, expect, it } from 'vitest'
import { CircuitBreaker } from '../src/circuit-breaker.js'

describe('CircuitBreaker', () => {
  it('opens after the threshold of failures in a row, once', () => {
    const breaker = new CircuitBreaker(3)
    expect(breaker.failure()).toBe(false)
    expect(breaker.failure()).toBe(false)
    expect(breaker.failure()).toBe(true)
    expect(breaker.state).toBe('open')
    expect(breaker.failure()).toBe(false)
  })

  it('a success resets the run of failures', () => {
    const breaker = new CircuitBreaker(2)
    breaker.failure()
    expect(breaker.success()).toBe(false)
    expect(breaker.failure()).toBe(false)
    expect(breaker.state).toBe('closed')
  })

  it('a success closes an open circuit', () => {
    const breaker = new CircuitBreaker(1)
    breaker.failure()
    expect(breaker.success()).toBe(true)
    expect(breaker.state).toBe('closed')
    expect(breaker.failures).toBe(0)
  })
})
