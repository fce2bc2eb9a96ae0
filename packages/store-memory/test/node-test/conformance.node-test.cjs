// The conformance suite under node:test, from CommonJS: `require` loads the suite's CJS build. The memory store's
// source is ESM TypeScript, so it comes in through import() (tsx compiles it).
const { describe, it } = require('node:test')
const { runStoreConformance } = require('@tiered/store-test-suite')

import('../../src/index.ts').then(({ createMemoryStore }) => {
  runStoreConformance(
    'createMemoryStore under node:test (CommonJS)',
    (namespace) => createMemoryStore(namespace),
    {
      runner: { describe, it },
    },
  )
})
