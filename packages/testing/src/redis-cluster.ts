// Starts a real Redis Cluster of N masters (no replicas) on free loopback ports for tests,
// joined with `redis-cli --cluster create`, and waits until every node reports cluster_state:ok.

import { execFile } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { CLUSTER_BUS_OFFSET, LOOPBACK, releasePort } from './free-port.js'
import { sendRedisCommand } from './redis-command.js'
import { launchOnFreePort, type RedisProcess } from './redis-process.js'
import { createTempDir, type TempDir } from './temp-dir.js'

const CLUSTER_READY_TIMEOUT_MS = 15_000
const CLUSTER_POLL_MS = 100
const MIN_MASTERS = 3
const MAX_MASTERS = 16

export interface StartRedisClusterOptions {
  /** Number of masters, each owning a share of the 16384 slots. Default 3, the minimum redis-cli accepts. */
  masters?: number
}

export interface RedisNodeAddress {
  host: string
  port: number
}

export interface RedisClusterHandle {
  readonly nodes: RedisNodeAddress[]
  /** Stops every node and removes their temp dirs. Safe to call twice. */
  stop(): Promise<void>
  /** Sends a signal to every node, for fault tests: `SIGSTOP` hangs the whole cluster, `SIGCONT` resumes it. */
  kill(signal: NodeJS.Signals): void
}

interface ClusterNode {
  server: RedisProcess
  dir: TempDir
}

function redisCliBinary(): string {
  return process.env.REDIS_CLI || 'redis-cli'
}

function createCluster(ports: readonly number[]): Promise<void> {
  const args = [
    '--cluster',
    'create',
    ...ports.map((port) => `${LOOPBACK}:${port}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ]
  return new Promise((resolve, reject) => {
    execFile(redisCliBinary(), args, { timeout: CLUSTER_READY_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (!error) return resolve()
      const output = `${stdout}${stderr}`.slice(-4_000)
      reject(new Error(`redis-cli --cluster create failed: ${error.message}\n${output}`, { cause: error }))
    })
  })
}

async function clusterIsReady(port: number, masters: number): Promise<boolean> {
  try {
    const info = await sendRedisCommand(port, ['CLUSTER', 'INFO'], 500)
    return info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${masters}`)
  } catch {
    return false
  }
}

async function waitForClusterOk(ports: readonly number[]): Promise<void> {
  const deadline = Date.now() + CLUSTER_READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    const ready = await Promise.all(ports.map((port) => clusterIsReady(port, ports.length)))
    if (ready.every(Boolean)) return
    await sleep(CLUSTER_POLL_MS)
  }
  const infos = await Promise.all(
    ports.map((port) =>
      sendRedisCommand(port, ['CLUSTER', 'INFO'], 500).catch((error: Error) => error.message),
    ),
  )
  throw new Error(
    `Redis Cluster did not reach cluster_state:ok within ${CLUSTER_READY_TIMEOUT_MS} ms:\n` +
      ports.map((port, i) => `${port}: ${infos[i]?.split('\r\n').slice(0, 3).join(' ')}`).join('\n'),
  )
}

async function stopNodes(nodes: readonly ClusterNode[]): Promise<void> {
  await Promise.all(
    nodes.map(async ({ server, dir }) => {
      await server.terminate()
      releasePort(server.port)
      await dir.remove()
    }),
  )
}

export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const masters = options.masters ?? MIN_MASTERS
  if (!Number.isInteger(masters) || masters < MIN_MASTERS || masters > MAX_MASTERS) {
    throw new RangeError(`masters must be an integer from ${MIN_MASTERS} to ${MAX_MASTERS}, got ${masters}`)
  }
  const nodes: ClusterNode[] = []
  const usedPorts = new Set<number>()
  try {
    for (let i = 0; i < masters; i++) {
      const dir = await createTempDir('tiered-redis-cluster-')
      let server: RedisProcess
      try {
        server = await launchOnFreePort(
          dir.path,
          [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '2000',
          ],
          { withBusPort: true, avoid: usedPorts },
        )
      } catch (error) {
        await dir.remove()
        throw error
      }
      nodes.push({ server, dir })
      usedPorts.add(server.port).add(server.port + CLUSTER_BUS_OFFSET)
    }
    const ports = nodes.map(({ server }) => server.port)
    await createCluster(ports)
    await waitForClusterOk(ports)
  } catch (error) {
    await stopNodes(nodes)
    throw error
  }

  let stopping: Promise<void> | undefined
  return {
    nodes: nodes.map(({ server }) => ({ host: LOOPBACK, port: server.port })),
    kill(signal) {
      for (const { server } of nodes) server.signal(signal)
    },
    stop() {
      stopping ??= stopNodes(nodes)
      return stopping
    },
  }
}
