import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CLUSTER_BUS_OFFSET, findFreePort, releasePort } from '../src/free-port.js'
import { sendRedisCommand, startRedisServer } from '../src/index.js'

const ephemeralLow = Number(
  readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
)
const claimsDir = join(tmpdir(), 'tiered-test-ports')
const claimFile = (port: number) => join(claimsDir, String(port))
const claimHolder = (port: number) => Number(readFileSync(claimFile(port), 'utf8'))

/** Makes findFreePort try `ports` in this order (its choice is otherwise random). */
function tryPortsInOrder(ports: number[], withBusPort = false): void {
  const high = ephemeralLow - (withBusPort ? CLUSTER_BUS_OFFSET : 0)
  const spy = vi.spyOn(Math, 'random')
  for (const port of ports) spy.mockReturnValueOnce((port - 10_000 + 0.5) / (high - 10_000))
}

/** A pid no process has any more. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''])
  return child.pid
}

function claimAs(port: number, pid: number): void {
  mkdirSync(claimsDir, { recursive: true })
  writeFileSync(claimFile(port), String(pid))
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('findFreePort', () => {
  it('hands out distinct ports below the ephemeral range, where no listen(0) or outgoing connection lands', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => findFreePort()))
    try {
      expect(new Set(ports).size).toBe(ports.length)
      for (const port of ports) expect(port).toBeLessThan(ephemeralLow)
    } finally {
      for (const port of ports) releasePort(port)
    }
  })

  it('claims a port and its bus port for this process until released', async () => {
    const port = await findFreePort({ withBusPort: true })
    expect(port + CLUSTER_BUS_OFFSET).toBeLessThan(ephemeralLow)
    expect(claimHolder(port)).toBe(process.pid)
    expect(claimHolder(port + CLUSTER_BUS_OFFSET)).toBe(process.pid)
    releasePort(port)
    expect(existsSync(claimFile(port))).toBe(false)
    expect(existsSync(claimFile(port + CLUSTER_BUS_OFFSET))).toBe(false)
  })

  it('never returns a port another live process has claimed, and takes over a claim whose process is gone', async () => {
    // Ports of this run's own, not fixed ones: this test runs at the same time on other Nodes (the runtime matrix's
    // lanes share the claims dir), and two runs faking claims on the same ports take each other's.
    const [heldByLive, leftByDead] = (await Promise.all([findFreePort(), findFreePort()])) as [number, number]
    releasePort(heldByLive)
    releasePort(leftByDead)
    claimAs(heldByLive, process.ppid)
    claimAs(leftByDead, deadPid())
    try {
      tryPortsInOrder([heldByLive, leftByDead])
      const port = await findFreePort()
      expect(port).toBe(leftByDead)
      expect(claimHolder(leftByDead)).toBe(process.pid)
      expect(claimHolder(heldByLive)).toBe(process.ppid)
    } finally {
      releasePort(leftByDead)
      rmSync(claimFile(heldByLive), { force: true })
    }
  })
})

describe('a server restarted on its port', () => {
  it('keeps the port claimed while it is down, and gives it back on stop', async () => {
    const server = await startRedisServer()
    try {
      server.kill('SIGKILL')
      expect(claimHolder(server.port)).toBe(process.pid)
      await server.restart()
      expect(await sendRedisCommand(server.port, ['PING'])).toBe('PONG')
    } finally {
      await server.stop()
    }
    expect(existsSync(claimFile(server.port))).toBe(false)
  })
})
