// A fleet of real Node processes for tests: each runs support/fleet-child.ts (a TieredCache [memory, Redis] with
// the Redis bus and lock) and answers commands over IPC. Every call has a deadline; stop() kills what is left, and
// the processes also die with the test process (SIGKILL on exit, and they exit when their IPC channel closes).

import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type {
  FleetCommand,
  FleetConfig,
  FleetEvent,
  FleetReply,
  SteadyLoad,
  SteadyResult,
} from './fleet-protocol.js'

const CHILD = fileURLToPath(new URL('./fleet-child.ts', import.meta.url))
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url))
const START_TIMEOUT_MS = 30_000
const CALL_TIMEOUT_MS = 30_000

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
type Command = DistributiveOmit<FleetCommand, 'id'>

interface Load {
  pid: number
  key: string
  at: number
}

interface SwrResult {
  values: unknown[]
  failures: string[]
  /** Milliseconds until the last caller had its value. */
  ms: number
}

class Member {
  readonly #child: ChildProcess
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()
  #nextId = 1
  exited = false

  constructor(child: ChildProcess) {
    this.#child = child
    child.on('message', (message: FleetEvent | FleetReply) => {
      if (message.type !== 'reply') return
      const pending = this.#pending.get(message.id)
      if (pending === undefined) return
      this.#pending.delete(message.id)
      if (message.ok) pending.resolve(message.result)
      else pending.reject(new Error(`fleet process ${child.pid}: ${message.error}`))
    })
    child.once('exit', (code, signal) => {
      this.exited = true
      for (const pending of this.#pending.values())
        pending.reject(new Error(`fleet process ${child.pid} exited (code ${code}, signal ${signal})`))
      this.#pending.clear()
    })
  }

  get pid(): number {
    return this.#child.pid as number
  }

  call<R>(command: Command, timeoutMs = CALL_TIMEOUT_MS): Promise<R> {
    if (this.exited) return Promise.reject(new Error(`fleet process ${this.pid} has exited`))
    const id = this.#nextId++
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new Error(`fleet process ${this.pid}: no answer to ${command.op} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer)
          resolve(value as R)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      })
      this.#child.send({ ...command, id } as FleetCommand)
    })
  }

  set(key: string, value: unknown) {
    return this.call<{ at: number }>({ op: 'set', key, value })
  }

  delete(key: string) {
    return this.call<{ at: number }>({ op: 'delete', key })
  }

  async get(key: string): Promise<unknown> {
    return (await this.call<{ value: unknown }>({ op: 'get', key })).value
  }

  peek(key: string) {
    return this.call<{ value: unknown; fresh?: boolean; live?: boolean }>({ op: 'peek', key })
  }

  swr(options: Omit<Extract<Command, { op: 'swr' }>, 'op'>, timeoutMs?: number) {
    return this.call<SwrResult>({ op: 'swr', ...options }, timeoutMs)
  }

  watch(key: string, old: unknown, timeoutMs = 5_000, intervalMs = 1) {
    return this.call<{ value: unknown; at: number | null; reads: number }>(
      { op: 'watch', key, old, intervalMs, timeoutMs },
      timeoutMs + CALL_TIMEOUT_MS,
    )
  }

  fuzz(options: Omit<Extract<Command, { op: 'fuzz' }>, 'op'>) {
    return this.call<{ produced: string[]; answers: string[]; broken: string[]; calls: number }>(
      { op: 'fuzz', ...options },
      options.durationMs + CALL_TIMEOUT_MS,
    )
  }

  steady(load: SteadyLoad) {
    const endsIn = load.startAt - Date.now() + load.durationMs
    return this.call<SteadyResult>({ op: 'steady', ...load }, endsIn + CALL_TIMEOUT_MS)
  }

  stats() {
    return this.call<{ stats: { loads: number; hits: number; staleHits: number }; errors: string[] }>({
      op: 'stats',
    })
  }

  kill(signal: NodeJS.Signals): void {
    if (!this.exited) this.#child.kill(signal)
  }

  /** Closes the cache and waits for the process to exit; SIGKILL if it does not within `graceMs`. */
  async stop(graceMs = 3_000): Promise<void> {
    if (this.exited) return
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()))
    this.call({ op: 'close' }, graceMs).catch(() => {})
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }
}

/** The members, in start order (a fleet has at least one; tests index only members they started). */
type Members = Member[] & { 0: Member; 1: Member; 2: Member; 3: Member }

export interface Fleet {
  members: Members
  /** Every loader call any member started, in the order the parent heard of them. */
  loads: Load[]
  loadsOf(key: string): Load[]
  /** Resolves once `count` loads of `key` were heard of; rejects after `timeoutMs`. */
  waitForLoads(key: string, count: number, timeoutMs: number): Promise<Load[]>
  stop(): Promise<void>
}

const everyChild = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of everyChild)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

/** Starts `count` processes with `config` and waits until each is subscribed to the bus. */
export async function startFleet(count: number, config: FleetConfig): Promise<Fleet> {
  const loads: Load[] = []
  const listeners = new Set<() => void>()
  const children = Array.from({ length: count }, () => {
    const child = fork(CHILD, [], {
      cwd: PACKAGE_DIR,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, FLEET_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    everyChild.add(child)
    child.once('exit', () => everyChild.delete(child))
    child.on('message', (message: FleetEvent | FleetReply) => {
      if (message.type !== 'loading') return
      loads.push({ pid: message.pid, key: message.key, at: message.at })
      for (const listener of listeners) listener()
    })
    return child
  })
  const members = children.map((child) => new Member(child)) as Members
  const fleet: Fleet = {
    members,
    loads,
    loadsOf: (key) => loads.filter((load) => load.key === key),
    waitForLoads(key, wanted, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = fleet.loadsOf(key)
          if (found.length < wanted) return
          done()
          resolve(found)
        }
        const timer = setTimeout(() => {
          done()
          reject(
            new Error(
              `${fleet.loadsOf(key).length} loads of ${key} within ${timeoutMs} ms, wanted ${wanted}`,
            ),
          )
        }, timeoutMs)
        const done = () => {
          clearTimeout(timer)
          listeners.delete(check)
        }
        listeners.add(check)
        check()
      })
    },
    stop: async () => {
      await Promise.all(members.map((member) => member.stop()))
    },
  }
  try {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`fleet process ${child.pid} not ready within ${START_TIMEOUT_MS} ms`)),
              START_TIMEOUT_MS,
            )
            child.once('exit', (code, signal) => {
              clearTimeout(timer)
              reject(
                new Error(
                  `fleet process ${child.pid} exited while starting (code ${code}, signal ${signal})`,
                ),
              )
            })
            child.on('message', (message: FleetEvent) => {
              if (message.type !== 'ready') return
              clearTimeout(timer)
              if (message.error !== undefined)
                reject(new Error(`fleet process ${child.pid}: ${message.error}`))
              else resolve()
            })
          }),
      ),
    )
  } catch (error) {
    await fleet.stop()
    throw error
  }
  return fleet
}
