// `pnpm bench` (next): one example app (examples/next-16) built once, then for each handler two `next start`
// processes over a fresh redis-server on loopback, driven the same way:
//  1. cold: every page asked from both processes at the same moment; renders per page = fleet renders / pages;
//  2. load: 8 clients (4 per process) ask random pages, a fixed number of requests each: p50, p99, requests/s,
//     and the renders the load caused;
//  3. revalidateTag from a route in one process, then every page asked from both processes: renders per page.
// The page's render waits 300 ms (as a real one does). Results go to bench/NEXT.md with the machine's load.
// Handlers: tiered (@tiered/next with the bus and lock) and @fortedigital/nextjs-cache-handler 3 (Next 16's
// incumbent; its Quick Start: Redis only). @neshca/cache-handler's peer range stops before Next 15, so Next 15 has
// no incumbent here.

import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { buildNextApp, fetchPage, type NextFleet, percentile, startNextFleet } from '@tiered/testing'

const require = createRequire(import.meta.url)
const benchDir = join(dirname(new URL(import.meta.url).pathname), '..', '..')
const appDir = join(benchDir, '..', 'examples', 'next-16')
const PAGES = 30
const CLIENTS_PER_PROCESS = 4
const REQUESTS_PER_CLIENT = 100

interface Result {
  handler: string
  coldRendersPerPage: number
  loadRenders: number
  requests: number
  failures: number
  p50: number
  p99: number
  perSecond: number
  afterTagRendersPerPage: number
}

async function totalRenders(fleet: NextFleet, run: string): Promise<number> {
  const keys = await fleet.counters.keys(`renders:isr:${run}-*`)
  const values = keys.length === 0 ? [] : await fleet.counters.mget(...keys)
  return values.reduce((sum, value) => sum + Number(value ?? 0), 0)
}

async function bothAtOnce(fleet: NextFleet, path: string): Promise<number> {
  const [a, b] = fleet.members
  const answers = await Promise.allSettled([fetchPage(a.url, path), fetchPage(b.url, path)])
  return answers.filter((answer) => answer.status === 'rejected').length
}

async function measure(handler: string, env: Record<string, string>): Promise<Result> {
  const fleet = await startNextFleet(appDir, env)
  try {
    const run = handler.replace(/\W/g, '')
    const path = (i: number) => `/isr/${run}-${i}`
    let failures = 0
    for (let i = 0; i < PAGES; i++) failures += await bothAtOnce(fleet, path(i))
    const cold = await totalRenders(fleet, run)

    const latencies: number[] = []
    const started = performance.now()
    const client = async (base: string, seed: number) => {
      for (let i = 0; i < REQUESTS_PER_CLIENT; i++) {
        const at = performance.now()
        try {
          await fetchPage(base, path((seed * 7 + i * 13) % PAGES))
        } catch {
          failures += 1
        }
        latencies.push(performance.now() - at)
      }
    }
    const [a, b] = fleet.members
    await Promise.all(
      Array.from({ length: CLIENTS_PER_PROCESS * 2 }, (_, i) => client(i % 2 === 0 ? a.url : b.url, i)),
    )
    const seconds = (performance.now() - started) / 1000
    const loadRenders = (await totalRenders(fleet, run)) - cold

    const before = await totalRenders(fleet, run)
    await (await fetch(`${a.url}/api/revalidate?tag=products`, { method: 'POST' })).text()
    await new Promise((resolve) => setTimeout(resolve, 500)) // Next revalidates after the route's response
    for (let i = 0; i < PAGES; i++) failures += await bothAtOnce(fleet, path(i))
    const afterTag = (await totalRenders(fleet, run)) - before
    return {
      handler,
      coldRendersPerPage: cold / PAGES,
      loadRenders,
      requests: latencies.length,
      failures,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      perSecond: latencies.length / seconds,
      afterTagRendersPerPage: afterTag / PAGES,
    }
  } finally {
    await fleet.stop()
  }
}

const buildMs = await buildNextApp(appDir)
const load = loadavg()[0]?.toFixed(2)
const results = [
  await measure('tiered', {}),
  await measure('@fortedigital/nextjs-cache-handler', {
    TIERED_BENCH_CACHE_HANDLER: join(benchDir, 'src', 'next', 'forte-handler.mjs'),
  }),
]
const versions = ['next', '@fortedigital/nextjs-cache-handler'].map(
  (name) =>
    `${name} ${require(join(name === 'next' ? appDir : benchDir, 'node_modules', name, 'package.json')).version}`,
)
const rows = results.map(
  (r) =>
    `| ${r.handler} | ${r.coldRendersPerPage.toFixed(2)} | ${r.loadRenders} | ${r.afterTagRendersPerPage.toFixed(2)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.perSecond.toFixed(0)} | ${r.failures} |`,
)
const markdown = `# Next.js: renders per fleet and latency

\`pnpm bench\` (bench/src/next/run.ts): examples/next-16 (${versions.join(', ')}) built once (${(buildMs / 1000).toFixed(0)} s),
two \`next start\` processes over one redis-server on loopback per handler. ${PAGES} ISR pages whose render waits
300 ms. Cold: each page asked from both processes at the same moment. Load: ${CLIENTS_PER_PROCESS * 2} clients,
${REQUESTS_PER_CLIENT} requests each, over the warm pages. After tag: \`revalidateTag('products')\` in one process,
then each page asked from both at once. Load average when it started: ${load} (a shared 2-core machine: read the
ratios, not the absolute times).

| handler | renders per page, cold | renders under load | renders per page after revalidateTag | p50 ms | p99 ms | requests/s | failed requests |
| --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`
writeFileSync(join(benchDir, 'NEXT.md'), markdown)
console.log(markdown)
