// The README is the list of rules: every case the suite registers must be listed there under its own name.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createMapStore } from '@tiered/testing'
import { describe, expect, it } from 'vitest'
import { runStoreConformance } from '../src/index.js'

/** The names of the cases the suite registers, read through a runner that only records them. */
function registeredRules(): string[] {
  const names: string[] = []
  runStoreConformance('rules', (namespace) => createMapStore(namespace), {
    runner: { describe: (_name: string, body: () => void) => body(), it: (name: string) => names.push(name) },
  })
  return names
}

describe('the README', () => {
  it('lists every rule the suite checks, by its name', async () => {
    const readme = (await readFile(join(import.meta.dirname, '..', 'README.md'), 'utf8')).replaceAll('`', '')
    const rules = registeredRules()
    expect(rules.length).toBeGreaterThan(40)
    const shapes = 'round-trips an entry whose value is '
    const flowing = readme.replace(/\s+/g, ' ')
    const missing = rules.filter((rule) =>
      rule.startsWith(shapes)
        ? !flowing.includes(rule.slice(shapes.length))
        : !readme.includes(`- ${rule}\n`),
    )
    expect(missing).toEqual([])
  })
})
