#!/usr/bin/env node
// The published packages as an app sees them (issue 13): consumer-fixture/src imports every package through its
// `exports` and type-checks, strict and without skipLibCheck, under the oldest and the newest TypeScript we
// support, with NodeNext and with bundler resolution (and CommonJS `require` under NodeNext). Then every
// published tarball must carry LICENSE. Run from consumer-fixture/ (its `test` script); packages must be built.

import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const fixture = new URL('../consumer-fixture/', import.meta.url).pathname
const root = new URL('..', import.meta.url).pathname

/** [TypeScript package alias in consumer-fixture, tsconfig] pairs; every one must pass. */
const checks = [
  ['typescript-5.0', 'nodenext'],
  ['typescript-5.0', 'bundler'],
  ['typescript-5.0', 'commonjs'],
  ['typescript-7', 'nodenext'],
  ['typescript-7', 'bundler'],
  ['typescript-7', 'commonjs'],
]
async function typecheck([typescript, config]) {
  const started = performance.now()
  const tsc = join(fixture, 'node_modules', typescript, 'bin', 'tsc')
  const version = JSON.parse(
    readFileSync(join(fixture, 'node_modules', typescript, 'package.json'), 'utf8'),
  ).version
  const label = `TypeScript ${version} ${config}`
  try {
    await run(process.execPath, [tsc, '-p', `tsconfig.${config}.json`, '--pretty', 'false'], {
      cwd: fixture,
      timeout: 120_000,
    })
    return { ok: true, line: `ok   ${label} (${((performance.now() - started) / 1000).toFixed(1)}s)` }
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim() || String(error.message)
    return { ok: false, line: `FAIL ${label}\n${output}` }
  }
}

/** Every published package has LICENSE beside package.json, which `pnpm pack` always puts in the tarball. */
function checkLicenses() {
  const problems = []
  for (const dir of readdirSync(join(root, 'packages'))) {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'))
    if (manifest.private) continue
    const files = readdirSync(join(root, 'packages', dir))
    if (!files.includes('LICENSE'))
      problems.push(`${manifest.name} has no LICENSE file (it ships in the tarball)`)
    if (manifest.license !== 'MIT') problems.push(`${manifest.name}: license is ${manifest.license}, not MIT`)
  }
  return problems
}

// One at a time: turbo runs this beside other packages' tests on two cores, and those tests measure time.
const results = []
for (const check of checks) results.push(await typecheck(check))
for (const { line } of results) console.log(line)
const licenseProblems = checkLicenses()
for (const problem of licenseProblems) console.log(`FAIL ${problem}`)
if (licenseProblems.length === 0) console.log('ok   LICENSE in every published package')
if (results.some((r) => !r.ok) || licenseProblems.length > 0) process.exit(1)
