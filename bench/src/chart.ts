// Draws bench/chart.svg from bench/results.json: one group of horizontal bars per workload, ops/s on a shared
// log scale (bytes per entry on its own linear one), tiered in colour. Plain SVG text; never edited by hand.

import { readFileSync, writeFileSync } from 'node:fs'
import { formatFigure, formatRatio } from './format.js'
import type { BenchResults, SystemResult, WorkloadResult } from './results.js'

const RESULTS_JSON = new URL('../results.json', import.meta.url)
const CHART_SVG = new URL('../chart.svg', import.meta.url)

const WIDTH = 980
const LABEL_WIDTH = 300
const VALUE_WIDTH = 200
const BAR_AREA = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20
const BAR_HEIGHT = 16
const BAR_GAP = 5
const GROUP_HEADER = 40
const GROUP_GAP = 16
const COLOURS = { tiered: '#2563eb', peer: '#9ca3af', floor: '#e5e7eb' } as const
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"'

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
}

interface Scale {
  x(value: number): number
  ticks: { value: number; label: string }[]
}

function logScale(min: number, max: number): Scale {
  const low = 10 ** Math.floor(Math.log10(min))
  // Room past the longest bar for its label, without a whole empty decade.
  const high = max * 2
  const span = Math.log10(high) - Math.log10(low)
  const ticks = []
  for (let decade = low; decade <= high; decade *= 10)
    ticks.push({ value: decade, label: formatFigure(decade, 'ops/s') })
  return { x: (value) => (BAR_AREA * (Math.log10(Math.max(value, low)) - Math.log10(low))) / span, ticks }
}

function linearScale(max: number): Scale {
  const step = 10 ** Math.floor(Math.log10(max))
  const high = Math.ceil(max / step) * step
  const ticks = []
  for (let value = 0; value <= high; value += step) ticks.push({ value, label: `${value} B` })
  return { x: (value) => (BAR_AREA * value) / high, ticks }
}

function valueText(workload: WorkloadResult, result: SystemResult): string {
  if (result.error !== undefined) return 'error'
  let text =
    workload.unit === 'ops/s'
      ? `${formatFigure(result.value, 'ops/s')} ops/s`
      : formatFigure(result.value, workload.unit)
  if (result.loads !== undefined) text += ` · ${result.loads} load${result.loads === 1 ? '' : 's'}`
  if (result.role === 'tiered' && result.ratioToBestPeer !== null)
    text += ` · ${formatRatio(result.ratioToBestPeer)} best peer`
  if (result.role === 'tiered' && result.ratioToFloor !== null)
    text += ` · ${formatRatio(result.ratioToFloor)} floor`
  return text
}

function group(workload: WorkloadResult, scale: Scale, top: number): { svg: string; height: number } {
  const parts: string[] = []
  const barsTop = top + GROUP_HEADER
  const barsHeight = workload.results.length * (BAR_HEIGHT + BAR_GAP)
  parts.push(
    `<text x="0" y="${top + 16}" font-size="15" font-weight="600">${escapeXml(workload.title)}</text>`,
  )
  parts.push(
    `<text x="0" y="${top + 32}" font-size="11" fill="#4b5563">${escapeXml(workload.description)}</text>`,
  )
  for (const tick of scale.ticks) {
    const x = LABEL_WIDTH + scale.x(tick.value)
    parts.push(
      `<line x1="${x.toFixed(1)}" y1="${barsTop - 2}" x2="${x.toFixed(1)}" y2="${barsTop + barsHeight}" stroke="#e5e7eb"/>`,
    )
    parts.push(
      `<text x="${x.toFixed(1)}" y="${barsTop + barsHeight + 11}" font-size="9" fill="#6b7280" text-anchor="middle">${escapeXml(tick.label)}</text>`,
    )
  }
  workload.results.forEach((result, i) => {
    const y = barsTop + i * (BAR_HEIGHT + BAR_GAP)
    const width = result.value === null ? 0 : Math.max(1, scale.x(result.value))
    const colour = COLOURS[result.role]
    const bold = result.role === 'tiered' ? ' font-weight="600"' : ''
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + BAR_HEIGHT - 4}" font-size="12" text-anchor="end"${bold}>${escapeXml(result.label)}</text>`,
    )
    const outline = result.role === 'floor' ? ' stroke="#9ca3af" stroke-dasharray="3 2"' : ''
    parts.push(
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${colour}"${outline} rx="2"/>`,
    )
    parts.push(
      `<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${y + BAR_HEIGHT - 4}" font-size="11"${bold}>${escapeXml(valueText(workload, result))}</text>`,
    )
  })
  return { svg: parts.join('\n'), height: GROUP_HEADER + barsHeight + 14 + GROUP_GAP }
}

function legend(top: number): string {
  const items: [string, string, string][] = [
    ['tiered', COLOURS.tiered, ''],
    ['peers', COLOURS.peer, ''],
    ['floors (hand-written, no cache semantics)', COLOURS.floor, ' stroke="#9ca3af" stroke-dasharray="3 2"'],
  ]
  let x = 0
  return items
    .map(([text, colour, outline]) => {
      const item = `<rect x="${x}" y="${top}" width="14" height="12" fill="${colour}"${outline} rx="2"/><text x="${x + 20}" y="${top + 10}" font-size="12">${escapeXml(text)}</text>`
      x += 40 + text.length * 6.5
      return item
    })
    .join('\n')
}

export function renderChart(results: BenchResults): string {
  const throughput = results.workloads.filter((w) => w.unit === 'ops/s')
  const values = throughput.flatMap((w) =>
    w.results.map((r) => r.value).filter((v): v is number => v !== null && v > 0),
  )
  const shared = logScale(Math.min(...values), Math.max(...values))
  const parts: string[] = []
  let top = 0
  parts.push(`<text x="0" y="20" font-size="18" font-weight="700">tiered vs peers and floors</text>`)
  parts.push(
    `<text x="0" y="38" font-size="11" fill="#4b5563">${escapeXml(
      `Median of ${results.method.rounds} rounds · Node ${results.machine.node} · ${results.machine.cores} × ${results.machine.cpu} · redis ${results.redis.version} · ${results.generatedAt.slice(0, 10)}`,
    )}</text>`,
  )
  parts.push(legend(48))
  parts.push(
    `<text x="${WIDTH - 20}" y="58" font-size="11" fill="#4b5563" text-anchor="end">ops/s on one log scale, longer is better; bytes per entry: shorter is better</text>`,
  )
  top = 76
  for (const workload of results.workloads) {
    const scale =
      workload.unit === 'ops/s'
        ? shared
        : linearScale(Math.max(...workload.results.map((r) => r.value ?? 0).filter((v) => v > 0), 1))
    const drawn = group(workload, scale, top)
    parts.push(drawn.svg)
    top += drawn.height
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top}" viewBox="0 0 ${WIDTH} ${top}" ${FONT} fill="#111827">`,
    `<rect width="${WIDTH}" height="${top}" fill="#ffffff"/>`,
    `<g transform="translate(10 0)">`,
    ...parts,
    '</g>',
    '</svg>',
    '',
  ].join('\n')
}

const results = JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) as BenchResults
writeFileSync(CHART_SVG, renderChart(results))
console.log(`wrote bench/chart.svg from bench/results.json (${results.generatedAt})`)
