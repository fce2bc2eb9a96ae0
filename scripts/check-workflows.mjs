#!/usr/bin/env node
// The GitHub workflows cannot run here, so `pnpm test` checks what it can: every .github/workflows/*.yml parses,
// has triggers and jobs whose steps each run or use something, pins every action it uses, and calls only `pnpm`
// scripts that exist in the root package.json (what runs there is what runs here). ci.yml keeps its marked spot for
// the runtime matrix.

import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

const root = new URL('..', import.meta.url).pathname
const dir = join(root, '.github', 'workflows')
const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts ?? {}
// pnpm's own commands, which are not scripts; `pnpm run <script>` and `pnpm <script>` name a script.
const PNPM_COMMANDS = new Set([
  'install',
  'i',
  'add',
  'remove',
  'update',
  'exec',
  'dlx',
  'store',
  'config',
  'publish',
])

const problems = []
const calls = []

/** Every `pnpm ...` command in a shell line, as [script or undefined, the command]. */
function pnpmScripts(line) {
  const found = []
  for (const match of line.matchAll(/(?:^|[\s;&|(])pnpm((?:\s+[^\s;&|)]+)*)/g)) {
    const words = match[1].trim().split(/\s+/).filter(Boolean)
    const args = words.filter((word) => !word.startsWith('-'))
    const first = args[0]
    if (first === undefined) continue
    if (first === 'run') found.push([args[1], `pnpm ${words.join(' ')}`])
    else if (!PNPM_COMMANDS.has(first)) found.push([first, `pnpm ${words.join(' ')}`])
  }
  return found
}

function checkShell(where, text) {
  for (const [script, command] of pnpmScripts(text)) {
    calls.push(command)
    if (script === undefined || !(script in scripts)) {
      problems.push(`${where}: \`${command}\` calls a script the root package.json does not have`)
    }
  }
}

const files = readdirSync(dir).filter((file) => /\.ya?ml$/.test(file))
for (const required of ['ci.yml', 'release.yml']) {
  if (!files.includes(required)) problems.push(`.github/workflows/${required} is missing`)
}
for (const file of files) {
  const text = readFileSync(join(dir, file), 'utf8')
  let workflow
  try {
    workflow = parse(text, { strict: true, uniqueKeys: true })
  } catch (error) {
    problems.push(`${file}: not valid YAML: ${error.message}`)
    continue
  }
  if (workflow?.on === undefined) problems.push(`${file}: no \`on\` (triggers)`)
  const jobs = Object.entries(workflow?.jobs ?? {})
  if (jobs.length === 0) problems.push(`${file}: no jobs`)
  for (const [id, job] of jobs) {
    if (job['runs-on'] === undefined) problems.push(`${file}: job ${id} has no runs-on`)
    const steps = job.steps ?? []
    if (steps.length === 0) problems.push(`${file}: job ${id} has no steps`)
    steps.forEach((step, index) => {
      const where = `${file}: job ${id}, step ${index + 1}`
      if (typeof step.run === 'string') checkShell(where, step.run)
      else if (typeof step.uses === 'string') {
        if (!/^[\w.-]+\/[\w./-]+@[\w.-]+$/.test(step.uses))
          problems.push(`${where}: \`${step.uses}\` is not pinned`)
        // Actions that take commands (changesets' version and publish) run them as shell lines too.
        for (const value of Object.values(step.with ?? {})) {
          if (typeof value === 'string' && /(^|\s)pnpm\s/.test(value)) checkShell(`${where} (with)`, value)
        }
      } else problems.push(`${where}: neither run nor uses`)
    })
  }
  if (file === 'ci.yml' && !text.includes('RUNTIME MATRIX')) {
    problems.push('ci.yml: the marked RUNTIME MATRIX spot is gone')
  }
}

for (const problem of problems) console.log(`FAIL ${problem}`)
if (problems.length > 0) process.exit(1)
console.log(`workflows ok: ${files.join(', ')} parse; they call ${[...new Set(calls)].join(', ')}`)
