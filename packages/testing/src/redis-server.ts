// Starts a real redis-server on a free loopback port for tests, with controls for fault tests
// (kill, pause, restart on the same port). Nothing is persisted; the server's temp dir goes on stop.

import { setTimeout } from 'node:timers/promises'
import { LOOPBACK, releasePort } from './free-port.js'
import { launchOnFreePort, launchRedisProcess, type RedisProcess, RedisStartError } from './redis-process.js'
import { createTempDir } from './temp-dir.js'

const RESTART_ATTEMPTS = 10
const RESTART_RETRY_MS = 200

export interface StartRedisServerOptions {
  /** Extra redis-server arguments, e.g. `['--maxmemory', '10mb']`. */
  args?: string[]
}

export interface RedisServerHandle {
  readonly host: '127.0.0.1'
  readonly port: number
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  /** The pid of the current process; changes after `restart()`. */
  readonly pid: number
  /** SIGTERM, wait for exit, SIGKILL after 3 s; removes the temp dir. Safe to call twice. */
  stop(): Promise<void>
  /** Sends a signal to the server, for fault tests: `SIGKILL`, `SIGSTOP`, `SIGCONT`. */
  kill(signal: NodeJS.Signals): void
  /** Starts the server again on the same port (killing the current process if it still runs) and waits for PING. */
  restart(): Promise<void>
}

export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<RedisServerHandle> {
  const args = options.args ?? []
  const dir = await createTempDir()
  let server: RedisProcess
  try {
    server = await launchOnFreePort(dir.path, args)
  } catch (error) {
    await dir.remove()
    throw error
  }
  const port = server.port
  let stopping: Promise<void> | undefined

  return {
    host: LOOPBACK,
    port,
    url: `redis://${LOOPBACK}:${port}`,
    get pid() {
      return server.pid
    },
    stop() {
      stopping ??= (async () => {
        await server.terminate()
        releasePort(port)
        await dir.remove()
      })()
      return stopping
    },
    kill(signal) {
      server.signal(signal)
    },
    async restart() {
      if (stopping) throw new Error(`redis-server on port ${port} was stopped; start a new one instead`)
      if (server.isRunning()) {
        server.signal('SIGKILL')
        await server.exited
      }
      // The port stays claimed and below the ephemeral range, so only an unrelated explicit bind can hold it;
      // give such a holder a few moments (bounded) rather than failing at once.
      for (let attempt = 1; ; attempt++) {
        try {
          server = await launchRedisProcess(port, dir.path, args)
          return
        } catch (error) {
          if (!(error instanceof RedisStartError && error.addressInUse) || attempt >= RESTART_ATTEMPTS)
            throw error
          await setTimeout(RESTART_RETRY_MS)
        }
      }
    },
  }
}
