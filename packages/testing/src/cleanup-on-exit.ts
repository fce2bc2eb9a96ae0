// Synchronous cleanups that run when the Node process ends, so no redis-server a helper started
// outlives the test run, even when a test forgets to stop it or vitest ends its worker with SIGTERM.

import { isMainThread } from 'node:worker_threads'

const cleanups = new Set<() => void>()
let listening = false

/** Signals that end a process without running 'exit' listeners; vitest stops its fork workers with SIGTERM. */
const FATAL_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP']

function runCleanups(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup()
    } catch {
      // The process is ending: one failed cleanup must not stop the others.
    }
  }
  cleanups.clear()
}

function onFatalSignal(signal: NodeJS.Signals): void {
  runCleanups()
  for (const name of FATAL_SIGNALS) process.off(name, onFatalSignal)
  // Listening for a signal cancels its default action. When nobody else handles it, raise it
  // again so the process still ends the way the sender meant.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}

function listen(): void {
  process.once('exit', runCleanups)
  // Signal listeners belong to the main thread; a worker thread ends with its process.
  if (isMainThread) for (const signal of FATAL_SIGNALS) process.on(signal, onFatalSignal)
  listening = true
}

/** Registers `cleanup` to run when the process ends; returns a function that unregisters it. */
export function onProcessExit(cleanup: () => void): () => void {
  if (!listening) listen()
  cleanups.add(cleanup)
  return () => {
    cleanups.delete(cleanup)
  }
}
