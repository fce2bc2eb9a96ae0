// The test runner the suite registers its cases with: vitest by default, or any runner whose describe/it are
// passed in (node:test, jest, mocha). Nothing here imports a runner, so the package loads under any of them and
// from CommonJS.

import * as nodeTest from 'node:test'

/** A test body; runners hand it a context (vitest and node:test: with `skip`), jest hands it nothing. */
type CaseBody = (...args: unknown[]) => Promise<void>

/** `describe` and `it` of your runner: `import { describe, it } from 'node:test'`, or jest's globals. */
export interface TestRunner {
  // biome-ignore lint/suspicious/noExplicitAny: each runner types these differently; the suite calls them alike.
  describe: (name: string, body: () => void) => any
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  it: (...args: any[]) => any
}

/** Thrown by `skip` when the runner cannot stop a test itself (node:test marks it, jest cannot skip). */
export class SkipCase extends Error {
  override readonly name = 'SkipCase'
}

function isRunner(value: unknown): value is TestRunner {
  if (value === null || typeof value !== 'object') return false
  const runner = value as Record<string, unknown>
  return typeof runner.describe === 'function' && typeof runner.it === 'function'
}

/**
 * The runner to use: the one given, else vitest's (a vitest worker exposes its API as `__vitest_index__`, the same
 * object `import.meta.vitest` gives), else the global describe/it of jest, mocha or vitest with `globals: true`.
 */
export function resolveRunner(given: TestRunner | undefined): TestRunner {
  if (given !== undefined) {
    if (!isRunner(given)) throw new TypeError('`runner` must be { describe, it } of your test runner')
    return given
  }
  const scope = globalThis as { __vitest_index__?: unknown; describe?: unknown; it?: unknown }
  if (isRunner(scope.__vitest_index__)) return scope.__vitest_index__
  if (isRunner(scope)) return scope
  throw new TypeError(
    "runStoreConformance found no test runner: run it under vitest, or pass your runner's describe and it, " +
      "e.g. `import { describe, it } from 'node:test'` then runStoreConformance(label, makeStore, { runner: { describe, it } })",
  )
}

const isNodeTest = (runner: TestRunner): boolean => runner.it === nodeTest.it || runner.it === nodeTest.test

/** Registers one case with the runner's own way of giving it a timeout. */
export function registerCase(runner: TestRunner, name: string, timeoutMs: number, body: CaseBody): void {
  if (isNodeTest(runner)) runner.it(name, { timeout: timeoutMs }, body)
  else runner.it(name, body, timeoutMs)
}

/** Marks the running case skipped with `reason` where the runner can, and stops it. */
export function skipCase(context: unknown, reason: string): never {
  const skip = (context as { skip?: unknown } | undefined)?.skip
  // vitest's skip throws to stop the test; node:test's only marks it, so the SkipCase below stops it.
  if (typeof skip === 'function') skip.call(context, reason)
  throw new SkipCase(reason)
}
