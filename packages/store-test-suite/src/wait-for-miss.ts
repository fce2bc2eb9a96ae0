// Bounded polling for expiry: reads until the store misses or a deadline passes, never one long fixed sleep.

import type { MaybePromise } from '@tiered/core'
import { check } from './check.js'
import type { TtlTimings } from './options.js'

const MAX_POLLS = 1_000

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Calls `read` every `pollMs` until `missed(result)` holds or `withinMs` have passed since `since`
 * (a `performance.now()` instant). Resolves with the ms from `since` to the miss, or undefined if none came.
 */
async function waitForMiss<T>(
  read: () => MaybePromise<T>,
  missed: (result: T) => boolean,
  since: number,
  withinMs: number,
  pollMs: number,
): Promise<number | undefined> {
  for (let poll = 0; poll < MAX_POLLS; poll++) {
    if (missed(await read())) return performance.now() - since
    if (performance.now() - since >= withinMs) return undefined
    await sleep(pollMs)
  }
  return undefined
}

/**
 * Fails with `message` unless `read` misses within the short ttl plus the allowed lateness after `since`: the one
 * check behind every "an entry past its ttl is gone" rule.
 */
export async function expectMissWithinTtl<T>(
  ttl: TtlTimings,
  since: number,
  read: () => MaybePromise<T>,
  missed: (result: T) => boolean,
  message: string,
): Promise<void> {
  const goneAfter = await waitForMiss(read, missed, since, ttl.shortMs + ttl.lateMs, ttl.pollMs)
  check(goneAfter !== undefined, message)
}
