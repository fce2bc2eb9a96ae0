// The conformance suite runs under node:test too, from ESM and from CommonJS (its CJS build loads with require),
// and a broken rule is reported there by name: each fixture is run as `node --import tsx --test`.

import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

interface NodeTestRun {
  exitCode: number
  output: string
  /** The `# pass`, `# fail`, `# skipped` counts of the TAP summary. */
  counts: Record<string, number>
}

function runNodeTest(fixture: string, env: Record<string, string> = {}): Promise<NodeTestRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=tap', join(import.meta.dirname, 'node-test', fixture)],
      { cwd: join(import.meta.dirname, '..'), env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`
        const counts: Record<string, number> = {}
        for (const [, name, count] of output.matchAll(/^# (\w+) (\d+)$/gm))
          counts[name as string] = Number(count)
        resolve({ exitCode: error === null ? 0 : Number(error.code ?? -1), output, counts })
      },
    )
  })
}

describe('the conformance suite under node:test', () => {
  it.each([
    ['ESM', 'conformance.node-test.ts'],
    ['CommonJS', 'conformance.node-test.cjs'],
  ])('passes the memory store from %s, skipping only what memory cannot show', async (_, fixture) => {
    const run = await runNodeTest(fixture)
    expect(run.exitCode, run.output).toBe(0)
    expect(run.counts.fail, run.output).toBe(0)
    expect(run.counts.pass).toBeGreaterThan(40)
    // close (memory has none) and the two serialization rules (memory keeps values as they are).
    expect(run.counts.skipped).toBe(4)
    expect(run.output).toContain('no unencodableValue was given')
  })

  it('reports a broken rule by its name', async () => {
    const run = await runNodeTest('conformance.node-test.ts', { FOLD_KEY_CASE: '1' })
    expect(run.exitCode).not.toBe(0)
    expect(run.counts.fail, run.output).toBe(1)
    expect(run.output).toContain('rule: keeps keys that differ only in case, or by one byte, apart: ')
  })
})
