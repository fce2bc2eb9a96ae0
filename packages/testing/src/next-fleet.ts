// A fleet of real `next start` processes of one example app over one real redis-server: the app is built once
// (`next build`, timed, Redis unreachable on purpose), each process listens on its own free loopback port, and a
// render counter in Redis (the app's `countRender`) tells how many renders the fleet made.

import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { findFreePort, releasePort } from './free-port.js'
import { type RedisServerHandle, startRedisServer } from './redis-server.js'

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' }

function nextBin(dir: string): string {
  return join(dir, 'node_modules', 'next', 'dist', 'bin', 'next')
}

function run(dir: string, args: string[], extraEnv: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [nextBin(dir), ...args], {
    cwd: dir,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** `next build` with Redis unreachable (a build must not need it); resolves its wall time in ms. */
export async function buildNextApp(dir: string): Promise<number> {
  const started = performance.now()
  const child = run(dir, ['build'], { REDIS_URL: 'redis://127.0.0.1:1' })
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  const [code] = (await once(child, 'exit')) as [number | null]
  if (code !== 0) throw new Error(`next build failed in ${dir} (exit ${code}):\n${output.slice(-4000)}`)
  return performance.now() - started
}

export interface NextProcess {
  readonly name: string
  readonly url: string
  readonly output: () => string
  stop(): Promise<void>
}

async function startNext(
  dir: string,
  name: string,
  redisUrl: string,
  extraEnv: Record<string, string>,
): Promise<NextProcess> {
  const port = await findFreePort()
  const child = run(dir, ['start', '-p', String(port), '-H', '127.0.0.1'], {
    ...extraEnv,
    REDIS_URL: redisUrl,
    PROCESS_NAME: name,
  })
  let output = ''
  const collect = (chunk: Buffer) => {
    output = (output + chunk).slice(-20_000)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start ${name} exited (${child.exitCode}):\n${output}`)
    try {
      const response = await fetch(`${url}/api/revalidate`, { method: 'GET' })
      await response.arrayBuffer()
      break
    } catch {
      if (Date.now() > deadline) throw new Error(`next start ${name} did not answer within 60 s:\n${output}`)
      await sleep(100)
    }
  }
  return {
    name,
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = once(child, 'exit')
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
        await exited
        clearTimeout(timer)
      }
      releasePort(port)
    },
  }
}

export interface NextFleet {
  readonly redis: RedisServerHandle
  /** Reads the app's render counters. */
  readonly counters: Redis
  readonly members: readonly [NextProcess, NextProcess]
  renders(what: string): Promise<number>
  stop(): Promise<void>
}

/** Starts a redis-server and two `next start` processes of the app built in `dir` (`extraEnv` for both). */
export async function startNextFleet(dir: string, extraEnv: Record<string, string> = {}): Promise<NextFleet> {
  const redis = await startRedisServer()
  const counters = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  counters.on('error', () => {})
  const started = await Promise.allSettled([
    startNext(dir, 'a', redis.url, extraEnv),
    startNext(dir, 'b', redis.url, extraEnv),
  ])
  const members = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const stop = async () => {
    redis.kill('SIGCONT')
    await Promise.allSettled(members.map((m) => m.stop()))
    counters.disconnect()
    await redis.stop()
  }
  const failed = started.find((s) => s.status === 'rejected')
  if (failed !== undefined) {
    await stop()
    throw failed.reason
  }
  return {
    redis,
    counters,
    members: members as [NextProcess, NextProcess],
    async renders(what) {
      return Number((await counters.get(`renders:${what}`)) ?? 0)
    },
    stop,
  }
}

/** GET a page's HTML; throws on a status other than 200. */
export async function fetchPage(base: string, path: string): Promise<string> {
  const response = await fetch(`${base}${path}`)
  const body = await response.text()
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}\n${body.slice(0, 500)}`)
  return body
}

/** The text of the element with `id` in a page's HTML. */
export function elementText(html: string, id: string): string | undefined {
  return new RegExp(`id="${id}">([^<]*)<`).exec(html)?.[1]
}

/** Polls `check` until it is true, within `boundMs`; resolves how long it took. */
export async function waitUntil(boundMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now()
  while (!(await check())) {
    if (performance.now() - started > boundMs) throw new Error(`not true within ${boundMs} ms`)
    await sleep(10)
  }
  return performance.now() - started
}

/** Percentile `p` (0..1) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN
}
