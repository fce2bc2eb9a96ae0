// Registers one conformance case: gives it stores on fresh namespaces and cleans every one of them afterwards,
// also when the case fails or is skipped because the store lacks an optional method.

import { randomUUID } from 'node:crypto'
import type { CacheStore, MaybePromise } from '@tiered/core'
import { it } from 'vitest'
import type { ConformanceOptions, TtlTimings } from './options.js'

export type MakeStore = (namespace: string) => MaybePromise<CacheStore>

export interface OpenedStore {
  store: CacheStore
  namespace: string
}

export interface CaseContext {
  /** A store on a namespace no other test uses; cleaned after the case. Skips the case if it lacks `needs`. */
  open(): Promise<OpenedStore>
}

export type OptionalMethod = 'getMany' | 'setMany' | 'deleteMany' | 'clear'

export interface Suite {
  ttl: TtlTimings
  /** Registers a case; `needs` skips it for a store without that method. */
  store(
    name: string,
    body: (context: CaseContext) => Promise<void>,
    options?: { needs?: OptionalMethod; timeoutMs?: number },
  ): void
}

const runId = randomUUID().slice(0, 8)
let namespaces = 0

/** `conformance-<run>-<n>`: unique across the run, and across runs sharing one backend. */
function freshNamespace(): string {
  namespaces += 1
  return `conformance-${runId}-${namespaces}`
}

async function cleanUp(stores: readonly CacheStore[], options: ConformanceOptions): Promise<unknown[]> {
  const failures: unknown[] = []
  for (const store of stores) {
    try {
      if (store.clear) await store.clear()
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

export function createSuite(makeStore: MakeStore, options: ConformanceOptions, ttl: TtlTimings): Suite {
  return {
    ttl,
    store(name, body, caseOptions = {}) {
      it(
        name,
        async (context) => {
          const opened: CacheStore[] = []
          let failure: { error: unknown } | undefined
          try {
            await body({
              async open() {
                const namespace = freshNamespace()
                const store = await makeStore(namespace)
                opened.push(store)
                const needs = caseOptions.needs
                if (needs !== undefined && typeof store[needs] !== 'function') {
                  context.skip(`the store has no ${needs}()`)
                }
                return { store, namespace }
              },
            })
          } catch (error) {
            // A dynamic skip lands here too: onTestFinished is not called for it, so the stores are cleaned here.
            failure = { error }
          }
          const cleanupFailures = await cleanUp(opened, options)
          if (failure !== undefined) throw failure.error
          if (cleanupFailures.length > 0) {
            throw new AggregateError(cleanupFailures, `cleaning up after "${name}" failed`)
          }
        },
        caseOptions.timeoutMs,
      )
    },
  }
}
