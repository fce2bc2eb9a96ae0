// A loopback TCP proxy in front of a real redis-server, for outage tests: `cut()` drops every connection and
// refuses new ones while keeping the port, `restore()` lets them through again. The port is never released, so
// no other test can take it between an outage and the recovery (as a killed and restarted server's port could be).

import { connect, createServer, type Server, type Socket } from 'node:net'

export interface TcpProxy {
  /** `redis://127.0.0.1:<proxy port>` */
  readonly url: string
  /** Drops every open connection (the client sees it close) and refuses new ones until restore(). */
  cut(): void
  restore(): void
  close(): Promise<void>
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let refusing = false
  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const server: Server = createServer((client) => {
    track(client)
    if (refusing) {
      client.resetAndDestroy()
      return
    }
    const upstream = connect({ host: '127.0.0.1', port: targetPort })
    track(upstream)
    client.pipe(upstream).pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port: 0 }, resolve)
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address')
  return {
    url: `redis://127.0.0.1:${address.port}`,
    cut() {
      refusing = true
      for (const socket of sockets) socket.resetAndDestroy()
    },
    restore() {
      refusing = false
    },
    close() {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}
