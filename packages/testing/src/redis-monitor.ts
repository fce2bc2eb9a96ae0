// Watches the commands a real Redis node runs, through MONITOR, so that a test can count MGETs or read the exact
// arguments of a SET instead of trusting a spy.

import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'

const POLL_MS = 20
const MAX_POLLS = 250

export interface CommandWatch {
  /** Waits until the node has run every command sent before this call, stops watching and returns them all. */
  stop(): Promise<string[][]>
}

/** Starts MONITOR on the node at `host:port`; each command is recorded as its arguments, name lowercased first. */
export async function watchCommands(host: string, port: number): Promise<CommandWatch> {
  const connection = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 1 })
  const monitor = await connection.monitor()
  const commands: string[][] = []
  monitor.on('monitor', (_time: string, args: string[]) => {
    commands.push([String(args[0]).toLowerCase(), ...args.slice(1)])
  })
  return {
    async stop() {
      // MONITOR reports commands in the order the node runs them: once a marker sent now shows up, everything
      // sent before it has too.
      const marker = `monitor-end-${randomUUID()}`
      const sender = new Redis({ host, port, maxRetriesPerRequest: 1 })
      try {
        await sender.echo(marker)
        for (let poll = 0; poll < MAX_POLLS; poll++) {
          if (commands.some((command) => command[0] === 'echo' && command[1] === marker)) break
          await sleep(POLL_MS)
        }
      } finally {
        sender.disconnect()
        monitor.disconnect()
        connection.disconnect()
      }
      return commands.filter((command) => !(command[0] === 'echo' && command[1] === marker))
    },
  }
}

/** The commands that name a key under `prefix` in any argument. */
export function commandsUnder(commands: string[][], prefix: string): string[][] {
  return commands.filter((command) => command.slice(1).some((arg) => arg.includes(prefix)))
}
