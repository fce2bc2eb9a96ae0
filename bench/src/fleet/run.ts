// `pnpm --filter @tiered/bench fleet`: the fleet workloads alone, on a redis-server of their own; prints the
// figures and the Fleet section (results.json and RESULTS.md are written only by the full `pnpm bench`).

import { startRedisServer } from '@tiered/testing'
import { Redis } from 'ioredis'
import { renderFleetMarkdown, runFleetBench } from './bench.js'

const server = await startRedisServer()
const admin = new Redis({ host: server.host, port: server.port })
try {
  const results = await runFleetBench({ host: server.host, port: server.port }, admin, console.log)
  console.log(`\n${renderFleetMarkdown(results)}`)
} finally {
  admin.disconnect()
  await server.stop()
}
process.exit(0)
