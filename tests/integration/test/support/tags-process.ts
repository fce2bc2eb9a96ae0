// Starts tags-child.ts as a real Node process and calls its cache over IPC. Each call is bounded in time; close()
// ends the child (SIGKILL if it does not exit), so no test leaves a process behind.

import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const CHILD = fileURLToPath(new URL('./tags-child.ts', import.meta.url))
const CALL_TIMEOUT_MS = 10_000

interface Reply {
  ok: boolean
  value?: unknown
  name?: string
  message?: string
}

export interface TagsProcess {
  /** Calls a method of the child's cache; resolves with its outcome (never rejects for the cache's own errors). */
  call(method: string, ...args: unknown[]): Promise<Reply>
  close(): Promise<void>
}

export async function startTagsProcess(options: {
  redisUrl: string
  prefix: string
  bus: boolean
}): Promise<TagsProcess> {
  const child: ChildProcess = fork(CHILD, [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      TAGS_REDIS_URL: options.redisUrl,
      TAGS_PREFIX: options.prefix,
      TAGS_BUS: options.bus ? '1' : '0',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const waiting = new Map<number, (reply: Reply) => void>()
  let nextId = 0
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the tags child did not start within 20 s')), 20_000)
    child.on('message', (message: { ready?: boolean; id?: number } & Reply) => {
      if (message.ready === true) {
        clearTimeout(timer)
        resolve()
        return
      }
      const done = waiting.get(message.id as number)
      waiting.delete(message.id as number)
      done?.(message)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the tags child exited with ${code} before it was ready`))
    })
  })
  return {
    call(method, ...args) {
      const id = nextId++
      return new Promise<Reply>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id)
          reject(new Error(`${method} got no reply within ${CALL_TIMEOUT_MS} ms`))
        }, CALL_TIMEOUT_MS)
        waiting.set(id, (reply) => {
          clearTimeout(timer)
          resolve(reply)
        })
        child.send({ id, method, args })
      })
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const id = nextId++
      child.send({ id, method: 'close', args: [] })
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    },
  }
}
