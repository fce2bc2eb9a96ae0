// Redis commands per loader call in a fleet under steady load (DESIGN "Fleet", lock rule 7): 4 processes read many
// keys (fresh 1 s) for a few seconds while the bench's redis-server counts every command it runs (INFO
// commandstats, reset as the measure starts); commands per loader call, and which commands they are. MONITOR tells
// the same count apart by what the key is (a lease or a value), leaving out what scripts run inside.

import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { Redis } from 'ioredis'

/** Commands the benchmark itself sends to count: not the systems'. */
const OWN = new Set(['config', 'info', 'ping'])

/** Calls per command name since the last CONFIG RESETSTAT, the benchmark's own left out. */
export async function commandCounts(admin: Redis): Promise<Record<string, number>> {
  const text = await admin.info('commandstats')
  const counts: Record<string, number> = {}
  for (const line of text.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim())
    if (match === null) continue
    const name = (match[1] as string).toLowerCase()
    if (OWN.has(name.split('|')[0] as string)) continue
    counts[name] = Number(match[2])
  }
  return counts
}

export function resetCounts(admin: Redis): Promise<unknown> {
  return admin.config('RESETSTAT')
}

/** "set 1.02, get 0.98, …": each command's calls per loader call, most first. */
export function perLoad(counts: Record<string, number>, loads: number): string {
  return Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([name, calls]) => `${name} ${(calls / loads).toFixed(2)}`)
    .join(', ')
}

/**
 * Counts the commands clients send (not those a script runs) from now until `stop()`, by name and, for commands on
 * a lease key (under `lock:`), with " (lease)" after the name. MONITOR through redis-cli: ioredis's own monitor
 * mode loses track of its replies under this much traffic.
 */
export async function monitorCounts(
  host: string,
  port: number,
): Promise<{ stop(): Promise<Record<string, number>> }> {
  const cli = spawn('redis-cli', ['-h', host, '-p', String(port), 'monitor'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  const counts: Record<string, number> = {}
  let started: () => void = () => {}
  const ready = new Promise<void>((resolve) => {
    started = resolve
  })
  const lines = createInterface({ input: cli.stdout })
  // 1796528139.069019 [0 127.0.0.1:35998] "get" "bench:…" — or [0 lua] for a command a script ran.
  lines.on('line', (line) => {
    if (line === 'OK') return started()
    const match = /^[\d.]+ \[\d+ ([^\]]+)\] "([^"]+)"(.*)$/.exec(line)
    if (match === null || match[1] === 'lua') return
    const name = (match[2] as string).toLowerCase()
    if (OWN.has(name.split('|')[0] as string)) return
    const label = (match[3] as string).includes('lock:') ? `${name} (lease)` : name
    counts[label] = (counts[label] ?? 0) + 1
  })
  await ready
  return {
    async stop() {
      const ended = new Promise((resolve) => cli.once('close', resolve))
      cli.kill('SIGTERM')
      await ended
      return counts
    },
  }
}
