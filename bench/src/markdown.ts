// RESULTS.md from results.json: the targets first, then one table per workload, then what ran where.

import { renderFleetMarkdown } from './fleet/bench.js'
import { formatFigure, formatRatio } from './format.js'
import type { BenchResults, SystemResult, WorkloadResult } from './results.js'

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ')
}

function row(workload: WorkloadResult, result: SystemResult): string {
  const unit = workload.unit
  const spread =
    result.rounds.length > 0
      ? `${formatFigure(Math.min(...result.rounds), unit)}–${formatFigure(Math.max(...result.rounds), unit)}`
      : '—'
  const loads =
    result.loadsRounds !== undefined
      ? `${result.loads} (${result.loadsRounds.join(', ')})`
      : workload.idealLoads
        ? '—'
        : ''
  const name = result.system === 'tiered' ? `**${result.label}**` : result.label
  const notes = result.error !== undefined ? `ERROR: ${result.error.split('\n')[0]}` : result.notes.join('; ')
  const cells = [
    name,
    formatFigure(result.value, unit),
    spread,
    formatRatio(result.ratioToBestPeer),
    formatRatio(result.ratioToFloor),
  ]
  if (workload.idealLoads !== undefined)
    cells.push(loads, result.ms === undefined ? '—' : `${result.ms.toFixed(1)}`)
  cells.push(cell(notes))
  return `| ${cells.join(' | ')} |`
}

function table(workload: WorkloadResult): string {
  const head = [
    'System',
    workload.unit === 'ops/s' ? 'ops/s (median)' : 'bytes/entry (median)',
    'rounds (min–max)',
    '× best peer',
    '× floor',
  ]
  if (workload.idealLoads !== undefined)
    head.push(`loads, median (each round); ideal ${workload.idealLoads}`, 'ms to serve all')
  head.push('notes')
  const lines = [
    `## ${workload.title}`,
    '',
    workload.description,
    '',
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i === 0 || i === head.length - 1 ? '---' : '---:')).join(' | ')} |`,
    ...workload.results.map((result) => row(workload, result)),
    '',
  ]
  if (workload.excluded.length > 0) {
    lines.push(`Not in this workload: ${workload.excluded.map((e) => e.reason).join('; ')}.`, '')
  }
  return lines.join('\n')
}

export function renderMarkdown(results: BenchResults): string {
  const { machine } = results
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`pnpm bench\` (bench/src/run.ts) on ${results.generatedAt}; do not edit by hand.`,
    '',
    `Node ${machine.node} (V8 ${machine.v8}) on ${machine.platform}, ${machine.cores} × ${machine.cpu}, ` +
      `${machine.memoryGiB} GiB; redis-server ${results.redis.version} on loopback. Load average at start ` +
      `${machine.loadAverageAtStart.map((n) => n.toFixed(2)).join(' / ')}, at end ` +
      `${machine.loadAverageAtEnd.map((n) => n.toFixed(2)).join(' / ')}. The whole run took ${Math.round(results.durationSeconds)} s.`,
    '',
    `Each figure is the median of ${results.method.rounds} timed rounds after ${results.method.warmupRounds} warm-up ` +
      `round(s); throughput rounds last ${results.method.roundMs} ms. ${results.method.isolation} ` +
      '"× best peer" and "× floor" are how many times better than the best peer and the best floor in that workload: ' +
      'above 1 is better, below 1 worse (for bytes per entry: their bytes over ours). See bench/README.md.',
    '',
    '## Targets',
    '',
    '| Target | Measured | Verdict |',
    '| --- | --- | --- |',
    ...results.targets.map(
      (t) => `| ${t.text} | ${cell(t.detail)} | ${t.verdict === 'fails' ? '**fails**' : t.verdict} |`,
    ),
    '',
    ...results.workloads.map(table),
    ...(results.fleet === undefined ? [] : [renderFleetMarkdown(results.fleet), '']),
    '## Versions',
    '',
    '| Package | Version |',
    '| --- | --- |',
    ...Object.entries(results.versions).map(([name, version]) => `| ${name} | ${version} |`),
    '',
  ]
  return lines.join('\n')
}
