// Renders RESULTS.md (and the targets inside results.json) again from results.json, for a change of format or
// of the target arithmetic without a new run. Usage: pnpm --filter @tiered/bench report

import { readFileSync, writeFileSync } from 'node:fs'
import { renderMarkdown } from './markdown.js'
import { type BenchResults, checkTargets } from './results.js'

const RESULTS_JSON = new URL('../results.json', import.meta.url)
const RESULTS_MD = new URL('../RESULTS.md', import.meta.url)

const results = JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) as BenchResults
results.targets = checkTargets(results.workloads)
writeFileSync(RESULTS_JSON, `${JSON.stringify(results, null, 2)}\n`)
writeFileSync(RESULTS_MD, renderMarkdown(results))
console.log(`wrote bench/RESULTS.md from bench/results.json (${results.generatedAt})`)
