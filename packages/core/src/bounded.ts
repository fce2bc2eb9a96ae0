// One wrapper for the fleet's calls (bus and lock): a sync throw, a rejection and a call slower than the time
// allowed all become FAILED, after `onFailure` heard of it. Never rejects, never waits past `timeoutMs`.

import type { MaybePromise } from './types.js'

export const FAILED: unique symbol = Symbol('failed')

export function bounded<T>(
  run: () => MaybePromise<T>,
  timeoutMs: number,
  onFailure: (error: unknown) => void,
): Promise<T | typeof FAILED> {
  return new Promise((resolve) => {
    let done = false
    const fail = (error: unknown) => {
      if (done) return
      done = true
      clearTimeout(timer)
      onFailure(error)
      resolve(FAILED)
    }
    const timer =
      timeoutMs > 0
        ? setTimeout(() => fail(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs).unref()
        : undefined
    let result: MaybePromise<T>
    try {
      result = run()
    } catch (error) {
      fail(error)
      return
    }
    Promise.resolve(result).then((value) => {
      if (done) return
      done = true
      clearTimeout(timer)
      resolve(value)
    }, fail)
  })
}
