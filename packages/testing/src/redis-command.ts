// Sends one command to a Redis node over a raw loopback socket and returns its reply as text.
// The launchers use it to probe servers (PING, CLUSTER INFO) without a client library's retries.

import { createConnection } from 'node:net'
import { LOOPBACK } from './free-port.js'

const CRLF = '\r\n'

function encode(args: readonly string[]): string {
  let text = `*${args.length}${CRLF}`
  for (const arg of args) text += `$${Buffer.byteLength(arg)}${CRLF}${arg}${CRLF}`
  return text
}

type Reply = { done: false } | { done: true; value: string } | { done: true; error: Error }

/** Parses a single non-array reply; enough for PING, INFO and CLUSTER INFO. */
function parseReply(buffer: Buffer): Reply {
  const headerEnd = buffer.indexOf(CRLF)
  if (headerEnd < 0) return { done: false }
  const header = buffer.subarray(1, headerEnd).toString()
  switch (String.fromCharCode(buffer[0] ?? 0)) {
    case '+':
    case ':':
      return { done: true, value: header }
    case '-':
      return { done: true, error: new Error(`Redis replied with an error: ${header}`) }
    case '$': {
      const length = Number(header)
      if (length < 0) return { done: true, value: '' }
      const start = headerEnd + CRLF.length
      if (buffer.length < start + length + CRLF.length) return { done: false }
      return { done: true, value: buffer.subarray(start, start + length).toString() }
    }
    default:
      return { done: true, error: new Error(`Unsupported Redis reply: ${buffer.toString().slice(0, 80)}`) }
  }
}

/** Sends `args` to `127.0.0.1:port`; rejects on a connection error, an error reply, or after `timeoutMs`. */
export function sendRedisCommand(port: number, args: readonly string[], timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0)
    const socket = createConnection({ host: LOOPBACK, port })
    const finish = (error: Error | undefined, value = ''): void => {
      socket.destroy()
      if (error) reject(error)
      else resolve(value)
    }
    socket.setTimeout(timeoutMs, () =>
      finish(new Error(`Redis at ${LOOPBACK}:${port} did not answer ${args[0]} within ${timeoutMs} ms`)),
    )
    socket.once('error', (error) => finish(error))
    socket.once('close', () => finish(new Error(`Redis at ${LOOPBACK}:${port} closed the connection`)))
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk])
      const reply = parseReply(received)
      if (!reply.done) return
      if ('error' in reply) finish(reply.error)
      else finish(undefined, reply.value)
    })
    socket.write(encode(args))
  })
}
