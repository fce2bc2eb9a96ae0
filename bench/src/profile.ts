// Where the time goes in one (workload, system) pair: runs it in this process under the V8 sampling profiler,
// prints the functions with the most self time and writes the .cpuprofile (for Chrome DevTools) to bench/profiles/.
// Usage: pnpm --filter @tiered/bench profile <workload> [system=tiered]

import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { startRedisServer } from '@tiered/testing'
import { Redis } from 'ioredis'
import { deletePrefix } from './redis-keys.js'
import { loadSystem } from './systems/registry.js'
import { workloadById } from './workloads/registry.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
}

/** `file:///…/node_modules/.pnpm/x@1/node_modules/x/dist/a.js` → `x/dist/a.js`; workspace files keep their path. */
function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/')
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length)
  const work = url.indexOf('/packages/')
  if (work >= 0) return url.slice(work + 1)
  return url.replace(/^file:\/\/.*\/bench\//, 'bench/') || '(native)'
}

export function topFunctions(profile: Profile, limit: number): string[] {
  const totalHits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0)
  const self = new Map<string, number>()
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame
    const name = `${functionName || '(anonymous)'}  ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ''}`
    self.set(name, (self.get(name) ?? 0) + (node.hitCount ?? 0))
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, hits]) => `${((hits / totalHits) * 100).toFixed(1).padStart(5)}%  ${name}`)
}

async function main(): Promise<void> {
  const [workloadId, systemId = 'tiered'] = process.argv.slice(2)
  if (workloadId === undefined) throw new Error('usage: profile <workload> [system]')
  const workload = workloadById(workloadId)
  const system = await loadSystem(systemId)
  const server = await startRedisServer()
  const admin = new Redis({ host: server.host, port: server.port })
  const session = new Session()
  try {
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 100 })
    await session.post('Profiler.start')
    const prefix = `bench:profile:${system.id}:${workload.id}:`
    const measurement = await workload.run({
      system,
      redis: { host: server.host, port: server.port, url: server.url },
      prefix,
      log: console.log,
    })
    const { profile } = (await session.post('Profiler.stop')) as { profile: Profile }
    await deletePrefix(admin, prefix)
    console.log(
      `${workload.title} / ${system.label(workload.layers)}: ${Math.round(measurement.value)} ${workload.unit}`,
    )
    console.log('self time, top functions (the profile covers warm-up and priming too):')
    for (const line of topFunctions(profile, 30)) console.log(`  ${line}`)
    const dir = new URL('../profiles/', import.meta.url)
    mkdirSync(dir, { recursive: true })
    const file = new URL(`${workload.id}-${system.id}.cpuprofile`, dir)
    writeFileSync(file, JSON.stringify(profile))
    console.log(`wrote ${file.pathname}`)
  } finally {
    session.disconnect()
    admin.disconnect()
    await server.stop()
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
