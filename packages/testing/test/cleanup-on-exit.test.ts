import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { sendRedisCommand } from '../src/index.js'

const vitestCli = join(createRequire(import.meta.url).resolve('vitest/package.json'), '..', 'vitest.mjs')

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

it('kills a server a test forgot to stop when the test process exits', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tiered-leak-'))
  const report = join(dir, 'report.json')
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        [vitestCli, 'run', '--config', join(import.meta.dirname, 'fixtures', 'vitest.leak.config.ts')],
        { env: { ...process.env, LEAK_REPORT: report }, timeout: 25_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stdout}${stderr}`)) : resolve(),
      )
    })
    const { pid, port } = JSON.parse(await readFile(report, 'utf8')) as { pid: number; port: number }
    await expect.poll(() => isAlive(pid), { timeout: 10_000 }).toBe(false)
    await expect(sendRedisCommand(port, ['PING'], 200)).rejects.toThrow()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
