// The example store of docs/writing-a-store.md passes the conformance suite, and the page shows its files as they
// are. (`pnpm release:rehearse` installs the whole example package from the page and runs its own tests.)

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runStoreConformance } from '../src/index.js'
import { createTextStore } from './example/src/index.js'
import { createMemoryTextClient } from './example/test/memory-text-client.js'

// One client for every store, as an app shares one connection: the key prefix alone keeps namespaces apart.
const client = createMemoryTextClient()
runStoreConformance(
  'the example store of docs/writing-a-store.md',
  (namespace) => createTextStore('text', client, { keyPrefix: `${namespace}:` }),
  { unencodableValue: () => ({ n: 1n }) },
)

describe('docs/writing-a-store.md', () => {
  it.each([
    ['src/index.ts', 'ts'],
    ['test/memory-text-client.js', 'js'],
  ])('shows %s exactly as it is compiled and tested', async (file, language) => {
    const root = join(import.meta.dirname, '..', '..', '..')
    const page = await readFile(join(root, 'docs', 'writing-a-store.md'), 'utf8')
    const source = await readFile(join(import.meta.dirname, 'example', file), 'utf8')
    expect(page).toContain(`<!-- file: ${file} -->\n\`\`\`${language}\n${source}\`\`\``)
  })
})
