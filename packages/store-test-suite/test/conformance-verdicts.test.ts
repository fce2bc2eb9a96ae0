// Proves the suite can fail: a nested vitest runs it against a store that ignores ttl (the ttl cases must fail,
// and only they) and against the reference map store, with and without batch methods (all must pass or skip).

import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const vitestCli = join(createRequire(import.meta.url).resolve('vitest/package.json'), '..', 'vitest.mjs')
const fixtureConfig = join(import.meta.dirname, 'fixtures', 'vitest.fixture.config.ts')

interface AssertionResult {
  ancestorTitles: string[]
  title: string
  status: string
}

interface NestedRun {
  exitCode: number
  output: string
  results: AssertionResult[]
}

let dir: string

/** Runs the fixture with `CONFORMANCE_STORE=store` and reads vitest's JSON report. */
async function runFixture(store: string): Promise<NestedRun> {
  const report = join(dir, `${store}.json`)
  const { exitCode, output } = await new Promise<{ exitCode: number; output: string }>((resolve) => {
    execFile(
      process.execPath,
      [vitestCli, 'run', '--config', fixtureConfig, '--reporter=json', `--outputFile=${report}`],
      { env: { ...process.env, CONFORMANCE_STORE: store }, timeout: 80_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        resolve({ exitCode: code, output: `${stdout}${stderr}` })
      },
    )
  })
  const parsed = JSON.parse(await readFile(report, 'utf8')) as {
    testResults: { assertionResults: AssertionResult[] }[]
  }
  return { exitCode, output, results: parsed.testResults.flatMap((file) => file.assertionResults) }
}

const titles = (results: AssertionResult[], status: string): string[] =>
  results
    .filter((result) => result.status === status)
    .map((result) => result.title)
    .sort()

let ignoresTtl: NestedRun
let correct: NestedRun

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tiered-conformance-'))
  ;[ignoresTtl, correct] = await Promise.all([runFixture('ignores-ttl'), runFixture('map')])
})

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('the conformance suite', () => {
  it('fails a store that ignores ttl, on exactly the ttl rules', () => {
    expect(ignoresTtl.exitCode, ignoresTtl.output).toBe(1)
    expect(titles(ignoresTtl.results, 'failed')).toEqual([
      'drops an entry once its ttl has passed',
      'getMany never returns an entry past its ttl',
      'overwrite replaces the ttl',
      "setMany honours each item's ttl",
    ])
    expect(titles(ignoresTtl.results, 'passed').length).toBeGreaterThan(25)
  })

  it('passes a correct store, and skips only the batch rules for one without batch methods', () => {
    expect(correct.exitCode, correct.output).toBe(0)
    const full = correct.results.filter((result) => result.ancestorTitles[0] === 'map store')
    const bare = correct.results.filter(
      (result) => result.ancestorTitles[0] === 'map store without batch methods',
    )
    expect(full.length).toBeGreaterThan(30)
    expect(full.every((result) => result.status === 'passed')).toBe(true)
    expect(bare).toHaveLength(full.length)
    expect(titles(bare, 'skipped')).toEqual([
      'deleteMany removes the keys given and ignores missing ones',
      'getMany never returns an entry past its ttl',
      'getMany returns one result per key, in the order asked, undefined for misses',
      "setMany honours each item's ttl",
      'setMany writes every item',
    ])
    expect(titles(bare, 'failed')).toEqual([])
  })
})
