// Registers one conformance case: gives it stores on fresh namespaces, cleans every one of them afterwards (also
// when the case fails or is skipped), and names the case's rule in any failure.

import { randomUUID } from 'node:crypto'
import type { CacheStore, MaybePromise } from '@tiered/core'
import { CLOSED_CLIENT, ConformanceError, describeError } from './check.js'
import type { ConformanceOptions, TtlTimings } from './options.js'
import { registerCase, SkipCase, skipCase, type TestRunner } from './runner.js'

export type MakeStore = (namespace: string) => MaybePromise<CacheStore>

interface OpenedStore {
  store: CacheStore
  namespace: string
}

export interface CaseContext {
  /** A store on a namespace no other test uses; cleaned after the case. Skips the case if it lacks `needs`. */
  open(): Promise<OpenedStore>
  /** Calls the store's close(); the store is then not cleared after the case (it may no longer answer). */
  close(store: CacheStore): Promise<void>
  /** Stops the case and reports it skipped, with the reason. */
  skip(reason: string): never
  readonly options: ConformanceOptions
}

type OptionalMethod = 'getMany' | 'setMany' | 'deleteMany' | 'clear' | 'close'

export interface Suite {
  ttl: TtlTimings
  /** Registers a case; `needs` skips it for a store without that method. */
  store(
    name: string,
    body: (context: CaseContext) => Promise<void>,
    options?: { needs?: OptionalMethod; timeoutMs?: number },
  ): void
}

/** A case that does not wait for an expiry still talks to a remote store many times; busy machines get room. */
const DEFAULT_CASE_TIMEOUT_MS = 30_000

const runId = randomUUID().slice(0, 8)
let namespaces = 0

/** `conformance-<run>-<n>`: unique across the run, and across runs sharing one backend. */
function freshNamespace(): string {
  namespaces += 1
  return `conformance-${runId}-${namespaces}`
}

async function cleanUp(
  stores: readonly CacheStore[],
  closed: ReadonlySet<CacheStore>,
  options: ConformanceOptions,
): Promise<unknown[]> {
  const failures: unknown[] = []
  for (const store of stores) {
    try {
      if (store.clear && !closed.has(store)) await store.clear()
    } catch (error) {
      failures.push(error)
    }
    try {
      await options.cleanup?.(store)
    } catch (error) {
      failures.push(error)
    }
  }
  return failures
}

/** Any failure of a case, a failed check or an error the store threw, as a ConformanceError naming the rule. */
function broke(rule: string, error: unknown): ConformanceError {
  if (error instanceof ConformanceError) return error
  const detail =
    error instanceof Error && error.name === 'CheckFailure'
      ? error.message
      : `the store threw ${describeError(error)}`
  return new ConformanceError(rule, detail, error)
}

export function createSuite(
  runner: TestRunner,
  makeStore: MakeStore,
  options: ConformanceOptions,
  ttl: TtlTimings,
): Suite {
  return {
    ttl,
    store(name, body, caseOptions = {}) {
      registerCase(
        runner,
        name,
        caseOptions.timeoutMs ?? DEFAULT_CASE_TIMEOUT_MS,
        async (...args: unknown[]) => {
          // A rest parameter keeps the body's length 0: jest and mocha would read a named one as a `done` callback.
          const testContext = args[0]
          const opened: CacheStore[] = []
          const closed = new Set<CacheStore>()
          let failure: { error: unknown } | undefined
          try {
            await body({
              options,
              skip: (reason) => skipCase(testContext, reason),
              async open() {
                const namespace = freshNamespace()
                const store = await makeStore(namespace)
                opened.push(store)
                const needs = caseOptions.needs
                if (needs !== undefined && typeof store[needs] !== 'function') {
                  skipCase(testContext, `the store has no ${needs}()`)
                }
                return { store, namespace }
              },
              async close(store) {
                closed.add(store)
                await store.close?.()
              },
            })
          } catch (error) {
            // A skip lands here too, so that the stores are cleaned: vitest's own skip error is passed on, ours ends
            // the case quietly (node:test has marked it skipped; jest cannot skip, so the case passes).
            failure = { error }
          }
          const cleanupFailures = await cleanUp(opened, closed, options)
          if (failure === undefined && closed.size > 0 && cleanupFailures.length > 0) {
            // Your cleanup talks to the client; failing after store.close() means close() closed that client.
            const detail = `${CLOSED_CLIENT}: cleaning up (clear() and options.cleanup) failed after store.close() with ${describeError(cleanupFailures[0])}`
            throw new ConformanceError(name, detail, cleanupFailures[0])
          }
          if (failure !== undefined) {
            if (failure.error instanceof SkipCase) return
            if (isRunnerSignal(failure.error)) throw failure.error
            throw broke(name, failure.error)
          }
          if (cleanupFailures.length > 0) {
            throw new AggregateError(cleanupFailures, `cleaning up after "${name}" failed`)
          }
        },
      )
    },
  }
}

/** vitest's skip works by throwing its PendingError; that error must reach vitest as it is. */
function isRunnerSignal(error: unknown): boolean {
  return (
    error !== null && typeof error === 'object' && (error as { code?: unknown }).code === 'VITEST_PENDING'
  )
}
