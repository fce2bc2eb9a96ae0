// Proves the suite can fail: a nested vitest runs it against stores that break one rule each (ignoring ttl,
// folding key case, letting JSON's TypeError escape) and checks that exactly that rule's cases fail, with the
// rule named in the message; and against correct stores, with and without batch methods (all pass or skip).

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
  failureMessages: string[]
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

const inSuite = (results: AssertionResult[], label: string): AssertionResult[] =>
  results.filter((result) => result.ancestorTitles[0] === label)

/** Every failure's message starts with `rule: <its test's title>`. */
function expectRulesNamed(results: AssertionResult[]): void {
  for (const result of results.filter((r) => r.status === 'failed')) {
    expect(result.failureMessages.join('\n')).toContain(`rule: ${result.title}: `)
  }
}

let ignoresTtl: NestedRun
let lowerCases: NestedRun
let json: NestedRun
let correct: NestedRun

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tiered-conformance-'))
  // Two at a time: four nested vitest runs at once would crowd two cores.
  ;[ignoresTtl, lowerCases] = await Promise.all([runFixture('ignores-ttl'), runFixture('lower-cases-keys')])
  ;[json, correct] = await Promise.all([runFixture('json'), runFixture('map')])
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
    expectRulesNamed(ignoresTtl.results)
  })

  it('fails a store that folds key case, on exactly the rule that keys differing in case are different', () => {
    expect(lowerCases.exitCode, lowerCases.output).toBe(1)
    expect(titles(lowerCases.results, 'failed')).toEqual([
      'keeps keys that differ only in case, or by one byte, apart',
    ])
    expectRulesNamed(lowerCases.results)
  })

  it("fails a store whose unencodable value escapes as a TypeError, and passes one that throws core's error", () => {
    expect(json.exitCode, json.output).toBe(1)
    const unbranded = inSuite(json.results, 'unbranded JSON store')
    expect(titles(unbranded, 'failed')).toEqual([
      "set of a value the store cannot encode rejects with code 'TIERED_SERIALIZATION' and writes nothing",
      "setMany writes every other item and rejects with code 'TIERED_SERIALIZATION' naming the key left out",
    ])
    expectRulesNamed(unbranded)
    const branded = inSuite(json.results, 'branded JSON store')
    expect(titles(branded, 'failed')).toEqual([])
    expect(titles(branded, 'passed')).toContain(
      "setMany writes every other item and rejects with code 'TIERED_SERIALIZATION' naming the key left out",
    )
  })

  it('passes a correct store, and skips only the batch rules for one without batch methods', () => {
    expect(correct.exitCode, correct.output).toBe(0)
    const full = correct.results.filter((result) => result.ancestorTitles[0] === 'map store')
    const bare = correct.results.filter(
      (result) => result.ancestorTitles[0] === 'map store without batch methods',
    )
    expect(full.length).toBeGreaterThan(30)
    // The map store keeps values as they are and has no close(): those rules are skipped, with the reason.
    expect(titles(full, 'failed')).toEqual([])
    expect(titles(full, 'skipped')).toEqual([
      'close leaves the client the store was given open',
      'close resolves, and a second close resolves too',
      "set of a value the store cannot encode rejects with code 'TIERED_SERIALIZATION' and writes nothing",
      "setMany writes every other item and rejects with code 'TIERED_SERIALIZATION' naming the key left out",
    ])
    expect(bare).toHaveLength(full.length)
    expect(titles(bare, 'skipped')).toEqual(
      [
        ...titles(full, 'skipped'),
        'deleteMany removes the keys given and ignores missing ones',
        'getMany never returns an entry past its ttl',
        'getMany returns one result per key, in the order asked, undefined for misses',
        "setMany honours each item's ttl",
        'setMany writes every item',
      ].sort(),
    )
    expect(titles(bare, 'failed')).toEqual([])
  })
})
