// Finds free loopback TCP ports for test servers and keeps them reserved until the server is stopped for good, so
// that a server restarted on its port (fault tests) finds it free:
// - ports come from below the kernel's ephemeral range, so no `listen(0)` and no outgoing connection of any
//   process (other packages' tests run beside ours) is given one while its server is down;
// - each port is claimed with a file in the OS temp dir, so two test processes never pick the same one. A claim
//   whose process is gone is stale and may be taken over.
// Cluster nodes also need their bus port (port + 10000) free, and claimed with them.

import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onProcessExit } from './cleanup-on-exit.js'

export const LOOPBACK = '127.0.0.1'

/** Redis Cluster listens on `port + CLUSTER_BUS_OFFSET` for its node-to-node bus. */
export const CLUSTER_BUS_OFFSET = 10_000

const MAX_PORT_ATTEMPTS = 100
/** The lowest port handed out: above the well-known and most registered service ports. */
const LOWEST_PORT = 10_000
/** Linux's default when /proc does not say. */
const DEFAULT_EPHEMERAL_LOW = 32_768
const CLAIMS_DIR = join(tmpdir(), 'tiered-test-ports')

export interface FindFreePortOptions {
  /** Also require `port + 10000` to be free (and claimed with it), as a cluster node needs. */
  withBusPort?: boolean
  /** Ports already handed out that must not be returned again. */
  avoid?: ReadonlySet<number>
}

/** The first port of the kernel's ephemeral range; ports below it are only ever taken by an explicit bind. */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(low) && low > LOWEST_PORT ? low : DEFAULT_EPHEMERAL_LOW
  } catch {
    return DEFAULT_EPHEMERAL_LOW
  }
}

function listenOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => resolve(false))
    server.listen({ host: LOOPBACK, port, exclusive: true }, () => {
      server.close(() => resolve(true))
    })
  })
}

const claimed = new Set<number>()
let releasesOnExit = false

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Claims `port` for this process; false when a live process holds it. */
function claim(port: number): boolean {
  const file = join(CLAIMS_DIR, String(port))
  mkdirSync(CLAIMS_DIR, { recursive: true })
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' })
      claimed.add(port)
      if (!releasesOnExit) {
        onProcessExit(() => {
          for (const port of claimed) release(port)
        })
        releasesOnExit = true
      }
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    let holder = Number.NaN
    try {
      holder = Number(readFileSync(file, 'utf8'))
    } catch {
      // Released meanwhile: try again.
    }
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) return false
    try {
      unlinkSync(file) // a stale claim, or one being written: the next attempt decides
    } catch {
      // Someone else removed it first.
    }
  }
  return false
}

function release(port: number): void {
  if (!claimed.delete(port)) return
  try {
    unlinkSync(join(CLAIMS_DIR, String(port)))
  } catch {
    // Already gone.
  }
}

/** Gives back a port `findFreePort` returned (and its bus port), once its server is stopped for good. */
export function releasePort(port: number): void {
  release(port)
  release(port + CLUSTER_BUS_OFFSET)
}

function randomPort(low: number, high: number): number {
  return low + Math.floor(Math.random() * (high - low))
}

/**
 * A loopback port nothing listens on, below the ephemeral range, claimed for this process (with its bus port when
 * asked) until `releasePort(port)` or the process ends.
 */
export async function findFreePort(options: FindFreePortOptions = {}): Promise<number> {
  const avoid = options.avoid ?? new Set<number>()
  const high = ephemeralLow() - (options.withBusPort ? CLUSTER_BUS_OFFSET : 0)
  if (high <= LOWEST_PORT + MAX_PORT_ATTEMPTS) {
    throw new Error(`No room for test ports between ${LOWEST_PORT} and the ephemeral range (${high})`)
  }
  for (let attempt = 0; attempt < MAX_PORT_ATTEMPTS; attempt++) {
    const port = randomPort(LOWEST_PORT, high)
    const ports = options.withBusPort ? [port, port + CLUSTER_BUS_OFFSET] : [port]
    if (ports.some((p) => avoid.has(p) || claimed.has(p))) continue
    const taken: number[] = []
    let ok = true
    for (const p of ports) {
      if (!claim(p)) {
        ok = false
        break
      }
      taken.push(p)
      if (!(await listenOnce(p))) {
        ok = false
        break
      }
    }
    if (ok) return port
    for (const p of taken) release(p)
  }
  throw new Error(`No free loopback port found in ${MAX_PORT_ATTEMPTS} attempts`)
}
