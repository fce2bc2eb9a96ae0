// @tiered/store-test-suite: the conformance suite every tiered CacheStore runs from its own tests.

export { ConformanceError } from './check.js'
export type { MakeStore } from './harness.js'
export type { ConformanceOptions } from './options.js'
export { runStoreConformance } from './run-store-conformance.js'
export type { TestRunner } from './runner.js'
