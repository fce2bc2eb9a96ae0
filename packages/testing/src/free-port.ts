// Finds free loopback TCP ports by letting the kernel pick one, then releasing it for a
// redis-server to bind. Cluster nodes also need their bus port (port + 10000) free.

import { createServer } from 'node:net'

export const LOOPBACK = '127.0.0.1'

/** Redis Cluster listens on `port + CLUSTER_BUS_OFFSET` for its node-to-node bus. */
export const CLUSTER_BUS_OFFSET = 10_000

const MAX_PORT_ATTEMPTS = 100

export interface FindFreePortOptions {
  /** Also require `port + 10000` to be free (and `port < 55535`), as a cluster node needs. */
  withBusPort?: boolean
  /** Ports already handed out that must not be returned again. */
  avoid?: ReadonlySet<number>
}

function listenOnce(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => resolve(undefined))
    server.listen({ host: LOOPBACK, port, exclusive: true }, () => {
      const address = server.address()
      const bound = typeof address === 'object' && address !== null ? address.port : undefined
      server.close(() => resolve(bound))
    })
  })
}

/** A loopback port nothing listens on right now. Another process may still take it before it is used. */
export async function findFreePort(options: FindFreePortOptions = {}): Promise<number> {
  const avoid = options.avoid ?? new Set<number>()
  for (let attempt = 0; attempt < MAX_PORT_ATTEMPTS; attempt++) {
    const port = await listenOnce(0)
    if (port === undefined || avoid.has(port)) continue
    if (!options.withBusPort) return port
    const busPort = port + CLUSTER_BUS_OFFSET
    if (busPort >= 65_535 || avoid.has(busPort)) continue
    if ((await listenOnce(busPort)) === busPort) return port
  }
  throw new Error(`No free loopback port found in ${MAX_PORT_ATTEMPTS} attempts`)
}
