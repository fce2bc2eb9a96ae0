// The example store of docs/writing-a-store.md passes the conformance suite, and the page shows its file as it is.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runStoreConformance } from '../src/index.js'
import { createMemoryTextClient } from './example/memory-text-client.js'
import { createTextStore } from './example/text-store.js'

// One client for every store, as an app shares one connection: the key prefix alone keeps namespaces apart.
const client = createMemoryTextClient()
runStoreConformance(
  'the example store of docs/writing-a-store.md',
  (namespace) => createTextStore('text', client, { keyPrefix: `${namespace}:` }),
  { unencodableValue: () => ({ n: 1n }) },
)

describe('docs/writing-a-store.md', () => {
  it('shows the example store exactly as it is compiled and tested', async () => {
    const root = join(import.meta.dirname, '..', '..', '..')
    const page = await readFile(join(root, 'docs', 'writing-a-store.md'), 'utf8')
    const source = await readFile(join(import.meta.dirname, 'example', 'text-store.ts'), 'utf8')
    expect(page).toContain(`\`\`\`ts\n${source}\`\`\``)
  })
})
