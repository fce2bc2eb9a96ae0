#!/usr/bin/env node
// The runtimes of the test matrix, from npm, cached outside the repo so that a CI run (or a second `pnpm test`)
// does not fetch them again: Node 22, 24 and 26 (the `node` package puts a binary in node_modules/node/bin), Bun 1
// and Deno 2 (theirs in node_modules/.bin). The cache lives in $TIERED_RUNTIMES_DIR, else ~/.cache/tiered-runtimes;
// a CI cache keyed on this file keeps it between runs. Node 20 is the one running `pnpm test` itself.
//
//   node scripts/runtimes.mjs   # installs what is missing, prints each runtime's path and version

import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

// biome-ignore lint/suspicious/noUndeclaredEnvVars: not a turbo task; scripts/test.mjs runs it after turbo.
export const cacheDir = process.env.TIERED_RUNTIMES_DIR ?? join(homedir(), '.cache', 'tiered-runtimes')

/** name -> the npm spec and the binary inside the folder it is installed in. */
const RUNTIMES = {
  node22: { spec: 'node@22', bin: 'node_modules/node/bin/node' },
  node24: { spec: 'node@24', bin: 'node_modules/node/bin/node' },
  node26: { spec: 'node@26', bin: 'node_modules/node/bin/node' },
  bun1: { spec: 'bun@1', bin: 'node_modules/.bin/bun' },
  deno2: { spec: 'deno@2', bin: 'node_modules/.bin/deno' },
}

/** The version a runtime binary reports, or undefined when it does not run. */
function versionOf(binary) {
  try {
    const out = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 })
    return out
      .split('\n')[0]
      .replace(/^deno /, '')
      .replace(/ \(.*$/, '')
      .replace(/^v/, '')
  } catch {
    return undefined
  }
}

/** Installs `name` into the cache unless a working binary is there already; returns its path and version. */
function ensure(name) {
  const { spec, bin } = RUNTIMES[name]
  const folder = join(cacheDir, spec.replace('@', '-'))
  const binary = join(folder, bin)
  let version = existsSync(binary) ? versionOf(binary) : undefined
  if (version === undefined) {
    mkdirSync(folder, { recursive: true })
    // A package.json of its own, so npm installs here and not into a parent project.
    writeFileSync(join(folder, 'package.json'), '{ "private": true }\n')
    console.log(`runtimes: installing ${spec} into ${folder}`)
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--loglevel=error', spec], {
      cwd: folder,
      stdio: 'inherit',
      timeout: 300_000,
    })
    version = versionOf(binary)
    if (version === undefined) throw new Error(`runtimes: ${spec} installed, but ${binary} does not run`)
  }
  return { name, binary, version }
}

/** The runtimes named (default: all), installed: { node22, node24, node26, bun1, deno2 } -> { binary, version }. */
export function ensureRuntimes(names = Object.keys(RUNTIMES)) {
  return Object.fromEntries(names.map((name) => [name, ensure(name)]))
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  for (const { name, binary, version } of Object.values(ensureRuntimes())) {
    console.log(`${name.padEnd(7)} ${version.padEnd(10)} ${binary}`)
  }
}
