import { describe, expect, it } from 'vitest'
import { LoadContext } from '../src/load-context.js'

describe('LoadContext', () => {
  it('gives the key and one signal, the same on every read', () => {
    const context = new LoadContext(['user', 1], 'user:1')
    expect(context.queryKey).toEqual(['user', 1])
    expect(context.key).toBe('user:1')
    expect(context.signal).toBe(context.signal)
    expect(context.signal.aborted).toBe(false)
  })

  it('aborts a signal already handed out', () => {
    const context = new LoadContext('k', 'k')
    const { signal } = context
    context.abort(new Error('timeout'))
    expect(signal.aborted).toBe(true)
    expect((signal.reason as Error).message).toBe('timeout')
  })

  it('a signal asked for after the abort is already aborted, with the reason', () => {
    const context = new LoadContext('k', 'k')
    const reason = new Error('closed')
    context.abort(reason)
    expect(context.signal.aborted).toBe(true)
    expect(context.signal.reason).toBe(reason)
  })
})
