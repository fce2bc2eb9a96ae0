// Number formatting shared by the markdown table and the chart: short, and the same in both.

export function formatFigure(value: number | null, unit: 'ops/s' | 'bytes/entry'): string {
  if (value === null || !Number.isFinite(value)) return '—'
  if (unit === 'bytes/entry') return `${Math.round(value)} B`
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`
  if (value >= 1e4) return `${Math.round(value / 1e3)}k`
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`
  return `${Math.round(value)}`
}

export function formatRatio(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '—'
  if (ratio >= 100) return `${Math.round(ratio)}×`
  if (ratio >= 10) return `${ratio.toFixed(1)}×`
  return `${ratio.toFixed(2)}×`
}
