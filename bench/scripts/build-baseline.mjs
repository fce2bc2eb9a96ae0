#!/usr/bin/env node
// `pnpm --filter @tiered/bench baseline <commit> [folder]`: a built checkout of an earlier commit, for the benches
// that compare a build before with this one (TIERED_BASELINE, or BEFORE_CORE for before-after.ts): a git worktree
// of <commit> in [folder] (default: the temp dir's tiered-baseline-<commit>), its dependencies installed from the
// pnpm store, and core and store-memory built. Prints the folder.

import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const [commit, given] = process.argv.slice(2)
if (commit === undefined) {
  console.error('usage: pnpm --filter @tiered/bench baseline <commit> [folder]')
  process.exit(2)
}
const repo = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim()
const sha = execFileSync('git', ['rev-parse', '--short', commit], { cwd: repo, encoding: 'utf8' }).trim()
const folder = given ?? join(tmpdir(), `tiered-baseline-${sha}`)
const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] })

if (!existsSync(folder)) run('git', ['worktree', 'add', '--detach', folder, sha], repo)
try {
  run('pnpm', ['install', '--frozen-lockfile', '--offline', '--silent'], folder)
} catch {
  run('pnpm', ['install', '--frozen-lockfile', '--silent'], folder)
}
run('pnpm', ['--filter', '@tiered/core', '--filter', '@tiered/store-memory', 'build'], folder)
console.log(folder)
