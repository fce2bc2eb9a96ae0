// One redis-server child process on a loopback port: spawn it, keep the tail of its output,
// wait until it answers PING, and stop it (SIGTERM, then SIGKILL after a grace period).

import { type ChildProcess, spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { onProcessExit } from './cleanup-on-exit.js'
import { findFreePort, LOOPBACK, releasePort } from './free-port.js'
import { sendRedisCommand } from './redis-command.js'

const OUTPUT_TAIL_CHARS = 4_000
const READY_TIMEOUT_MS = 10_000
const READY_POLL_MS = 25
const STOP_GRACE_MS = 3_000
const MAX_LAUNCH_ATTEMPTS = 5

function redisServerBinary(): string {
  return process.env.REDIS_SERVER || 'redis-server'
}

/** redis-server did not come up; `output` is the tail of what it printed. */
export class RedisStartError extends Error {
  override readonly name = 'RedisStartError'
  constructor(
    message: string,
    readonly output: string,
    readonly addressInUse: boolean,
    options?: ErrorOptions,
  ) {
    super(output ? `${message}\n--- redis-server output (tail) ---\n${output}` : message, options)
  }
}

export interface RedisProcess {
  readonly port: number
  readonly pid: number
  /** The last few KB of the server's stdout and stderr. */
  output(): string
  isRunning(): boolean
  signal(signal: NodeJS.Signals): void
  /** Resolves once the process has exited, whatever the cause. */
  readonly exited: Promise<void>
  /** SIGTERM (and SIGCONT, in case it is stopped), then SIGKILL after 3 s; resolves once it has exited. */
  terminate(): Promise<void>
}

function watch(child: ChildProcess, port: number): RedisProcess {
  let tail = ''
  const append = (chunk: Buffer): void => {
    tail = (tail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS)
  }
  child.stdout?.on('data', append)
  child.stderr?.on('data', append)
  // An unstopped server must not keep the test process alive; the exit cleanup kills it.
  child.unref()
  for (const stream of [child.stdout, child.stderr]) {
    if (stream && 'unref' in stream && typeof stream.unref === 'function') stream.unref()
  }
  let running = true
  const unregister = onProcessExit(() => {
    if (running) child.kill('SIGKILL')
  })
  const exited = new Promise<void>((resolve) => {
    const done = (): void => {
      running = false
      unregister()
      resolve()
    }
    child.once('exit', done)
    child.once('error', (error) => {
      append(Buffer.from(`${error.message}\n`))
      done()
    })
  })

  const signal = (name: NodeJS.Signals): void => {
    if (running) child.kill(name)
  }
  return {
    port,
    pid: child.pid ?? -1,
    output: () => tail,
    isRunning: () => running,
    signal,
    exited,
    async terminate() {
      if (!running) return
      signal('SIGTERM')
      signal('SIGCONT')
      const timer = setTimeout(() => signal('SIGKILL'), STOP_GRACE_MS)
      await exited
      clearTimeout(timer)
    },
  }
}

async function waitForPing(server: RedisProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  let exited = false
  void server.exited.then(() => {
    exited = true
  })
  while (Date.now() < deadline) {
    if (exited) {
      const output = server.output()
      throw new RedisStartError(
        `redis-server on ${LOOPBACK}:${server.port} exited before it answered PING`,
        output,
        /address already in use/i.test(output),
      )
    }
    try {
      if ((await sendRedisCommand(server.port, ['PING'], 500)) === 'PONG') return
    } catch {
      // Not listening yet.
    }
    await sleep(READY_POLL_MS)
  }
  await server.terminate()
  throw new RedisStartError(
    `redis-server on ${LOOPBACK}:${server.port} did not answer PING within ${READY_TIMEOUT_MS} ms`,
    server.output(),
    false,
  )
}

/** Spawns redis-server on `port` with `dir` as its working directory and waits until it answers PING. */
export async function launchRedisProcess(
  port: number,
  dir: string,
  args: readonly string[],
): Promise<RedisProcess> {
  const binary = redisServerBinary()
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      LOOPBACK,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--dir',
      dir,
      ...args,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const server = watch(child, port)
  try {
    await waitForPing(server)
  } catch (error) {
    await server.terminate()
    if (error instanceof RedisStartError && /ENOENT/.test(error.output)) {
      throw new RedisStartError(
        `${binary} was not found: install redis-server or set REDIS_SERVER to its path`,
        error.output,
        false,
        { cause: error },
      )
    }
    throw error
  }
  return server
}

export interface LaunchOnFreePortOptions {
  /** Pick ports whose cluster bus port (port + 10000) is free too. */
  withBusPort?: boolean
  /** Ports other servers of the same cluster already use. */
  avoid?: ReadonlySet<number>
}

/**
 * Launches on a fresh free port, picking another when a race loses the port (bounded attempts). The port stays
 * claimed for restarts until the caller's `releasePort(server.port)`.
 */
export async function launchOnFreePort(
  dir: string,
  args: readonly string[],
  options: LaunchOnFreePortOptions = {},
): Promise<RedisProcess> {
  let lastError: unknown
  for (let attempt = 1; attempt <= MAX_LAUNCH_ATTEMPTS; attempt++) {
    const port = await findFreePort(options)
    try {
      return await launchRedisProcess(port, dir, args)
    } catch (error) {
      releasePort(port)
      if (!(error instanceof RedisStartError && error.addressInUse)) throw error
      lastError = error
    }
  }
  throw lastError
}
