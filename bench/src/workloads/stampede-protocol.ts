// The messages between the multi-process stampede and its four worker processes.

export type WorkerCommand =
  | { type: 'setup'; systemId: string; prefix: string; redis: { host: string; port: number; url: string } }
  | { type: 'go'; key: string; callers: number; startAt: number; round: number }
  | { type: 'stop' }

export type WorkerReport =
  | { type: 'ready' }
  | { type: 'done'; loads: number; ms: number; wrong: number }
  | { type: 'failed'; error: string }
