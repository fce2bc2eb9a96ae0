// MONITOR over a raw socket. @tiered/testing's watchCommands runs MONITOR through ioredis, which fails with
// "Command queue state error" when the server's first monitor lines arrive in the same read as MONITOR's +OK (it
// switches to monitor mode a microtask too late): with several test files on one server that happens. Here each
// line is parsed as it comes, whatever it shares a read with.

import { randomUUID } from 'node:crypto'
import { createConnection, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

const POLL_MS = 10
const MAX_POLLS = 500
const CONNECT_TIMEOUT_MS = 5_000

export interface CommandWatch {
  /** Waits until the node has run every command sent before this call, stops watching and returns them all. */
  stop(): Promise<string[][]>
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  a: '\x07',
  b: '\b',
  '"': '"',
  '\\': '\\',
}

/** The arguments of one MONITOR line: `+<time> [<db> <addr>] "name" "arg" ...`, in Redis's C-style quoting. */
function parseLine(line: string): string[] | undefined {
  const start = line.indexOf('] "')
  if (!line.startsWith('+') || start < 0) return undefined
  const args: string[] = []
  for (const [, quoted] of line.slice(start + 2).matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    args.push(
      (quoted as string).replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, escaped: string) =>
        escaped.startsWith('x') && escaped.length === 3
          ? String.fromCharCode(Number.parseInt(escaped.slice(1), 16))
          : (ESCAPES[escaped] ?? escaped),
      ),
    )
  }
  const [name, ...rest] = args
  return name === undefined ? undefined : [name.toLowerCase(), ...rest]
}

function connect(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port })
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error(`no connection to ${host}:${port}`)))
    socket.once('error', reject)
    socket.once('connect', () => {
      socket.setTimeout(0)
      resolve(socket)
    })
  })
}

/** Starts MONITOR on the node at `host:port` and resolves once the node confirmed it. */
export async function watchCommands(host: string, port: number): Promise<CommandWatch> {
  const socket = await connect(host, port)
  const commands: string[][] = []
  let pending = ''
  let confirmed: () => void = () => {}
  const started = new Promise<void>((resolve) => {
    confirmed = resolve
  })
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1')
    let end = pending.indexOf('\r\n')
    while (end >= 0) {
      const line = pending.slice(0, end)
      pending = pending.slice(end + 2)
      if (line === '+OK') confirmed()
      else {
        const command = parseLine(line)
        if (command !== undefined) commands.push(command)
      }
      end = pending.indexOf('\r\n')
    }
  })
  socket.write('MONITOR\r\n')
  await started
  return {
    async stop() {
      // MONITOR reports commands in the order the node runs them: once a marker sent now shows up, everything
      // sent before it has too.
      const marker = `monitor-end-${randomUUID()}`
      const sender = await connect(host, port)
      try {
        sender.write(`ECHO ${marker}\r\n`)
        for (let poll = 0; poll < MAX_POLLS; poll++) {
          if (commands.some((command) => command[0] === 'echo' && command[1] === marker)) break
          await sleep(POLL_MS)
        }
      } finally {
        sender.destroy()
        socket.destroy()
      }
      return commands.filter((command) => !(command[0] === 'echo' && command[1] === marker))
    },
  }
}
