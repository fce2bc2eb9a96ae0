// The suite's assertions, with no runner's `expect`: each failure is a ConformanceError whose message starts
// with the rule it broke (the harness adds it), then says what was seen.

import { inspect, isDeepStrictEqual } from 'node:util'

/** A store broke a rule. `rule` is the rule's name, as listed in the README. */
export class ConformanceError extends Error {
  override readonly name = 'ConformanceError'
  readonly rule: string

  constructor(rule: string, detail: string, cause?: unknown) {
    super(`rule: ${rule}: ${detail}`, cause === undefined ? undefined : { cause })
    this.rule = rule
  }
}

/** A failed check inside a case; the harness turns it into a ConformanceError naming the case's rule. */
class CheckFailure extends Error {
  override readonly name = 'CheckFailure'
}

const show = (value: unknown): string => inspect(value, { depth: 6, breakLength: 120, maxStringLength: 200 })

/** Drops properties whose value is undefined, as JSON would: `{ tags: undefined }` equals `{}`. */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined)
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) {
    return value
  }
  const copy: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) if (item !== undefined) copy[key] = withoutUndefined(item)
  return copy
}

/** What a store that closed the application's client broke, in the words a failure shows. */
export const CLOSED_CLIENT =
  'close() must leave the client the store was given open (the application owns it and closes it; close() ' +
  'releases only what the store made itself), but the store closed it'

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

export function fail(detail: string): never {
  throw new CheckFailure(detail)
}

export function check(condition: boolean, detail: string): asserts condition {
  if (!condition) fail(detail)
}

/** Deep equality of plain data (entries, values), undefined properties ignored. */
export function checkEqual(actual: unknown, expected: unknown, detail: string): void {
  if (!isDeepStrictEqual(withoutUndefined(actual), withoutUndefined(expected))) {
    fail(`${detail}\n  expected: ${show(expected)}\n  received: ${show(actual)}`)
  }
}

/** The value of an entry read back (undefined for a miss). */
export function valueIn(entry: { value: unknown } | undefined): unknown {
  return entry?.value
}

export { show }
