// The memory tier against the shared conformance suite.
import { runStoreConformance } from '@tiered/store-test-suite'
import { createMemoryStore } from '../src/index.js'

runStoreConformance('createMemoryStore', (namespace) => createMemoryStore(namespace))
