#!/usr/bin/env node
// Proves that an application installing @tiered/otel with npm beside either OpenTelemetry line gets no peer
// conflict, and that the instrumentation works there: packs @tiered/core and @tiered/otel (built), then in a temp
// folder per line runs a plain `npm install` (no --legacy-peer-deps, no --force: a peer conflict fails it), `npm ls`
// (an invalid or missing peer fails it), and a smoke run exporting one miss and one hit to memory.
// Lines: what npm's `latest` tags name (api 1.10, sdk-trace / sdk-metrics 3.x, instrumentation 0.30x), and the 2.x
// line (api 1.9, sdk-trace-base / sdk-metrics 2.x). Needs the npm registry. Usage: pnpm --filter @tiered/otel check:npm-install

import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('../../..', import.meta.url).pathname
const work = mkdtempSync(join(tmpdir(), 'tiered-otel-npm-'))
const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

const LINES = {
  latest: {
    // `@latest` by name: on Node below 22.15 a bare name makes npm pick the newest version whose `engines` match,
    // which is the 2.x line.
    packages: [
      '@opentelemetry/api@latest',
      '@opentelemetry/sdk-trace@latest',
      '@opentelemetry/sdk-metrics@latest',
      '@opentelemetry/context-async-hooks@latest',
      '@opentelemetry/instrumentation@latest',
    ],
    tracer: `import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
const exporter = new InMemorySpanExporter()
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] })`,
  },
  'v2 (api 1.9)': {
    packages: [
      '@opentelemetry/api@~1.9.0',
      '@opentelemetry/sdk-trace-base@^2',
      '@opentelemetry/sdk-metrics@^2',
      '@opentelemetry/context-async-hooks@^2',
      '@opentelemetry/instrumentation@^0.223.0',
    ],
    tracer: `import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })`,
  },
}

const smoke = (tracer) => `${tracer}
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { registerInstrumentations } from '@opentelemetry/instrumentation'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { TieredCache } from '@tiered/core'
import { TieredInstrumentation } from '@tiered/otel'
import { readFileSync } from 'node:fs'

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
trace.setGlobalTracerProvider(provider)
registerInstrumentations({ instrumentations: [new TieredInstrumentation()], tracerProvider: provider, meterProvider: new MeterProvider() })
const map = new Map()
const store = { name: 'memory', local: true, get: (k) => map.get(k), set: (k, e) => void map.set(k, e), delete: (k) => void map.delete(k) }
const cache = new TieredCache({ stores: [store] })
await trace.getTracer('app').startActiveSpan('request', async (request) => {
  await cache.swr({ queryKey: 'k', queryFn: () => 1 })
  await cache.swr({ queryKey: 'k', queryFn: () => 1 })
  request.end()
})
const spans = exporter.getFinishedSpans()
const byName = (name) => spans.filter((s) => s.name === name)
const [request] = byName('request')
const [miss, hit] = byName('tiered.swr')
const [load] = byName('tiered.load')
const parent = (s) => s.parentSpanContext?.spanId ?? s.parentSpanId
const ok = miss?.attributes['tiered.state'] === 'miss' && hit?.attributes['tiered.state'] === 'fresh' &&
  parent(miss) === request.spanContext().spanId && parent(load) === miss.spanContext().spanId
const version = (name) => JSON.parse(readFileSync(\`node_modules/\${name}/package.json\`, 'utf8')).version
const versions = Object.fromEntries(Object.keys(JSON.parse(readFileSync('package.json', 'utf8')).dependencies).map((name) => [name, version(name)]))
console.log(JSON.stringify({ versions, spans: spans.map((s) => s.name), ok }))
if (!ok) process.exit(1)
`

run(
  'pnpm',
  [
    '--filter',
    '@tiered/core',
    '--filter',
    '@tiered/otel',
    'exec',
    'pnpm',
    'pack',
    '--pack-destination',
    work,
  ],
  root,
)
const tarballs = readdirSync(work)
  .filter((name) => name.endsWith('.tgz'))
  .map((name) => join(work, name))
let failed = false
try {
  for (const [line, { packages, tracer }] of Object.entries(LINES)) {
    const app = mkdtempSync(join(work, 'app-'))
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
    writeFileSync(join(app, 'smoke.mjs'), smoke(tracer))
    try {
      // --loglevel=error: the 3.x line's engines (Node >= 22.15) warn on older Node; a warning is not a conflict.
      run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs, ...packages], app)
      run('npm', ['ls', '--all'], app)
      const outcome = run(process.execPath, ['smoke.mjs'], app).trim()
      console.log(`${line}: npm install resolved without a peer conflict; smoke ${outcome}`)
    } catch (error) {
      failed = true
      console.error(`${line}: FAILED\n${error.stdout ?? ''}${error.stderr ?? error.message}`)
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
if (failed) process.exit(1)
