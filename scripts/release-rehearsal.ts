// `pnpm release:rehearse`: the release, rehearsed end to end on a local registry. A verdaccio on a loopback port
// (storage in a temp folder) serves @tiered/* only from what is published to it; a copy of the repo is versioned
// and published with changesets by the same scripts release.yml runs; a fresh app and the example store of
// docs/writing-a-store.md install from that registry and run; then a core minor is released and must republish
// core alone, and the store's declared peer range must accept it. Prints a short transcript; exits 1 on any failure.
//
// The registry has one uplink, the npm registry the machine already uses, for everything except @tiered/*: a
// registry with no uplink could not serve ioredis or vitest, and @tiered/* must come only from this rehearsal.

import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  createTempDir,
  findFreePort,
  onProcessExit,
  type RedisServerHandle,
  releasePort,
  sendRedisCommand,
  startRedisServer,
} from '@tiered/testing'
import ts from 'typescript'

const root = join(import.meta.dirname, '..')
const require = createRequire(import.meta.url)
const started = performance.now()
const seconds = (): string => `${((performance.now() - started) / 1000).toFixed(0)} s`
const say = (line: string): void => console.log(`[${seconds().padStart(5)}] ${line}`)

/** The packages a user installs for the README example, and the client it uses. */
const APP_PACKAGES = [
  '@tiered/core',
  '@tiered/keys',
  '@tiered/store-memory',
  '@tiered/store-redis',
  'ioredis',
]
const STORE_PAGE = 'docs/writing-a-store.md'

// --- running commands --------------------------------------------------------------------------------------

interface RunOptions {
  cwd: string
  env: NodeJS.ProcessEnv
  timeoutMs?: number
}

class CommandError extends Error {
  override readonly name = 'CommandError'
  constructor(
    message: string,
    /** Everything the command wrote, stdout and stderr. */
    readonly output: string,
  ) {
    super(message)
  }
}

/** Runs a command and returns its stdout; a non-zero exit throws with the tail of stdout and stderr. */
async function run(command: string, args: readonly string[], options: RunOptions): Promise<string> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk
    output += chunk
  })
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk
  })
  const timeoutMs = options.timeoutMs ?? 180_000
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null]
  clearTimeout(timer)
  if (code !== 0) {
    const tail = output.trim().split('\n').slice(-40).join('\n')
    const why = signal === 'SIGKILL' ? `killed after ${timeoutMs / 1000} s` : `exit ${code ?? signal}`
    throw new CommandError(
      `\`${command} ${args.join(' ')}\` in ${options.cwd} failed (${why}):\n${tail}`,
      output,
    )
  }
  return stdout
}

// --- the registry --------------------------------------------------------------------------------------------

interface Registry {
  url: string
  version: string
  uplink: string
  /** npm config for everything that talks to the registry: registry URL and the publish token. */
  npmrc: string
  stop(): Promise<void>
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const killed = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)])
  if (!killed) {
    child.kill('SIGKILL')
    await exited
  }
}

async function startRegistry(dir: string, uplink: string): Promise<Registry> {
  const port = await findFreePort()
  const url = `http://127.0.0.1:${port}/`
  mkdirSync(dir, { recursive: true })
  const config = join(dir, 'config.yaml')
  // @tiered/* has no `proxy`: it is served from this registry's storage alone, never from the uplink.
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(join(dir, 'storage'))}`,
      'auth:',
      `  htpasswd: { file: ${JSON.stringify(join(dir, 'htpasswd'))}, max_users: 10 }`,
      'uplinks:',
      `  npmjs: { url: ${JSON.stringify(uplink)}, timeout: 60s, max_fails: 5 }`,
      'packages:',
      "  '@tiered/*': { access: $all, publish: $authenticated }",
      "  '**': { access: $all, publish: $authenticated, proxy: npmjs }",
      'log: { type: stdout, format: pretty, level: warn }',
      'publish: { allow_offline: true }',
      '',
    ].join('\n'),
  )
  const bin = require.resolve('verdaccio/bin/verdaccio')
  const version = (require('verdaccio/package.json') as { version: string }).version
  const log: string[] = []
  const child = spawn(process.execPath, [bin, '--config', config, '--listen', `127.0.0.1:${port}`], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const unregister = onProcessExit(() => child.kill('SIGKILL'))
  const keep = (chunk: Buffer) => log.push(chunk.toString())
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const stop = async () => {
    await stopChild(child)
    unregister()
    releasePort(port)
  }
  try {
    await waitFor(`verdaccio on ${url}`, 60_000, async () => {
      if (child.exitCode !== null) throw new Error(`verdaccio exited (${child.exitCode}):\n${log.join('')}`)
      return (await fetch(`${url}-/ping`).catch(() => undefined))?.ok === true
    })
    // A user to publish as: verdaccio's htpasswd plugin creates it and answers with a token.
    const response = await fetch(`${url}-/user/org.couchdb.user:rehearsal`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'rehearsal', password: 'rehearsal-password' }),
    })
    const { token } = (await response.json()) as { token?: string }
    if (!response.ok || token === undefined) throw new Error(`verdaccio refused the user: ${response.status}`)
    const npmrc = join(dir, 'npmrc')
    writeFileSync(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`)
    return { url, version, uplink, npmrc, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

async function waitFor(what: string, timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await ready())) {
    if (performance.now() > deadline) throw new Error(`${what} was not ready after ${timeoutMs / 1000} s`)
    await sleep(200)
  }
}

/** Every version of `name` the registry holds (none: []). */
async function publishedVersions(registry: Registry, name: string): Promise<string[]> {
  const response = await fetch(`${registry.url}${name.replace('/', '%2f')}`)
  if (response.status === 404) return []
  if (!response.ok) throw new Error(`GET ${name} from the registry: ${response.status}`)
  const { versions } = (await response.json()) as { versions?: Record<string, unknown> }
  return Object.keys(versions ?? {})
}

// --- the repository copy -------------------------------------------------------------------------------------

interface Workspace {
  dir: string
  /** The public packages, name -> version, as the copy's package.json files say now. */
  versions(): Map<string, string>
}

/** Copies the files git knows (tracked and untracked, not ignored), installs offline, and commits them. */
async function copyRepository(dir: string, env: NodeJS.ProcessEnv): Promise<Workspace> {
  const files = (
    await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root, env })
  )
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(root, file)))
  for (const file of files) {
    mkdirSync(join(dir, dirname(file)), { recursive: true })
    cpSync(join(root, file), join(dir, file))
  }
  // From the store `pnpm install` filled: nothing is downloaded, and the lockfile is the repo's.
  await run('pnpm', ['install', '--frozen-lockfile', '--offline', '--ignore-scripts', '--reporter=silent'], {
    cwd: dir,
    env,
  })
  await git(dir, env, ['init', '--quiet', '--initial-branch=main'])
  await git(dir, env, ['add', '--all'])
  await git(dir, env, ['commit', '--quiet', '--no-verify', '--message', 'rehearsal: the repository as it is'])
  return {
    dir,
    versions() {
      const versions = new Map<string, string>()
      for (const name of readdirSync(join(dir, 'packages'))) {
        const file = join(dir, 'packages', name, 'package.json')
        if (!existsSync(file)) continue
        const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
          name: string
          version: string
          private?: boolean
        }
        if (manifest.private !== true) versions.set(manifest.name, manifest.version)
      }
      return versions
    },
  }
}

function git(cwd: string, env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  const identity = ['-c', 'user.name=Release Rehearsal', '-c', 'user.email=rehearsal@localhost']
  return run('git', [...identity, ...args], { cwd, env })
}

/** `changeset version`, committed, then `pnpm release` (turbo build and changeset publish), as release.yml runs. */
async function release(workspace: Workspace, env: NodeJS.ProcessEnv): Promise<string> {
  await run('pnpm', ['run', 'version-packages'], { cwd: workspace.dir, env })
  await git(workspace.dir, env, ['add', '--all'])
  await git(workspace.dir, env, [
    'commit',
    '--quiet',
    '--no-verify',
    '--message',
    'rehearsal: version packages',
  ])
  return run('pnpm', ['run', 'release'], { cwd: workspace.dir, env, timeoutMs: 300_000 })
}

// --- documents ---------------------------------------------------------------------------------------------------

/** The README's Usage example, TypeScript transpiled to an ES module, pointed at loopback servers. */
function readmeExample(redisUrl: string, todosOrigin: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const usage = readme.slice(readme.indexOf('\n## Usage'))
  const block = /```ts\n([\s\S]*?)```/.exec(usage)?.[1]
  if (block === undefined) throw new Error('README.md has no ```ts block under "## Usage"')
  let code = block
  for (const [from, to] of [
    ['redis://127.0.0.1:6379', redisUrl],
    ['https://jsonplaceholder.typicode.com', todosOrigin],
  ] as const) {
    if (!code.includes(from))
      throw new Error(`the README example no longer contains ${from}: update the rehearsal`)
    code = code.replaceAll(from, to)
  }
  return ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText
}

/** The files of the example store package, from the blocks of the page marked `<!-- file: path -->`. */
function storePageFiles(): Map<string, string> {
  const page = readFileSync(join(root, STORE_PAGE), 'utf8')
  const files = new Map<string, string>()
  for (const match of page.matchAll(/<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)```/g)) {
    files.set(match[1] as string, match[2] as string)
  }
  for (const needed of ['package.json', 'tsconfig.json', 'src/index.ts', 'test/conformance.test.ts']) {
    if (!files.has(needed)) throw new Error(`${STORE_PAGE} has no block marked <!-- file: ${needed} -->`)
  }
  return files
}

// --- small servers -------------------------------------------------------------------------------------------

/** The todo API the README example fetches, on a loopback port. */
async function startTodoServer(): Promise<{ origin: string; requests: () => number; stop(): Promise<void> }> {
  let requests = 0
  const server: Server = createServer((request, response) => {
    requests += 1
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const userId = Number(url.searchParams.get('userId'))
    const completed = url.searchParams.get('completed') === 'true'
    const todos = Array.from({ length: 10 }, (_, i) => ({
      userId,
      id: i + 1,
      title: `todo ${i + 1}`,
      completed,
    }))
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(todos))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the todo server has no port')
  return {
    origin: `http://127.0.0.1:${address.port}`,
    requests: () => requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

// --- the rehearsal -------------------------------------------------------------------------------------------

/** name@version of what `npm ls` says is installed at the top of `dir`. */
async function installed(dir: string, env: NodeJS.ProcessEnv, names: readonly string[]): Promise<string> {
  const tree = JSON.parse(await run('npm', ['ls', '--json', '--depth=0', ...names], { cwd: dir, env })) as {
    dependencies?: Record<string, { version: string }>
  }
  return names.map((name) => `${name} ${tree.dependencies?.[name]?.version ?? 'MISSING'}`).join(', ')
}

function summary(output: string, pattern: RegExp, what: string): string {
  const match = pattern.exec(output)
  if (match === null) throw new Error(`${what}: no summary line in its output:\n${output.slice(-2000)}`)
  return match[1] as string
}

/** Promise.all that waits for every promise to settle before it rejects, so nothing runs on during clean-up. */
async function settleAll<T extends readonly unknown[]>(
  promises: { [K in keyof T]: Promise<T[K]> },
): Promise<T> {
  const results = await Promise.allSettled(promises)
  const failure = results.find((result) => result.status === 'rejected')
  if (failure !== undefined) throw failure.reason
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T
}

async function rehearse(work: string, stack: (() => Promise<void>)[]): Promise<void> {
  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    TURBO_TELEMETRY_DISABLED: '1',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    DO_NOT_TRACK: '1',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  }
  const uplink = (await run('npm', ['config', 'get', 'registry'], { cwd: root, env: baseEnv })).trim()

  const [registry, redis, todos, workspace] = await settleAll([
    startRegistry(join(work, 'registry'), uplink).then((registry) => {
      stack.push(registry.stop)
      return registry
    }),
    startRedisServer().then((redis: RedisServerHandle) => {
      stack.push(() => redis.stop())
      return redis
    }),
    startTodoServer().then((todos) => {
      stack.push(todos.stop)
      return todos
    }),
    copyRepository(join(work, 'repo'), baseEnv),
  ])
  say(
    `release rehearsal: verdaccio ${registry.version} on ${registry.url}; @tiered/* only from it, ` +
      `other packages through its uplink ${registry.uplink}`,
  )
  // Everything that installs or publishes from here on sees this registry and its token, and no user npmrc.
  const env: NodeJS.ProcessEnv = {
    ...baseEnv,
    npm_config_registry: registry.url,
    npm_config_userconfig: registry.npmrc,
  }
  writeFileSync(join(workspace.dir, '.npmrc'), readFileSync(registry.npmrc))

  // 1. The first release: every public package, from the pending changesets.
  const before = workspace.versions()
  await release(workspace, env)
  const first = workspace.versions()
  const published: string[] = []
  for (const [name, version] of first) {
    const versions = await publishedVersions(registry, name)
    if (!versions.includes(version))
      throw new Error(`${name} ${version} is not in the registry (${versions})`)
    published.push(`${name} ${before.get(name)} -> ${version}`)
  }
  say(`1. first release (changeset version, then pnpm release): published ${published.length} packages`)
  for (const line of published) say(`   ${line}`)

  // 2. A fresh app and 3. the example store, installed side by side.
  const app = join(work, 'app')
  const store = join(work, 'tiered-store-text')
  mkdirSync(app, { recursive: true })
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'rehearsal-app', private: true, type: 'module' }, null, 2)}\n`,
  )
  writeFileSync(join(app, 'example.mjs'), readmeExample(redis.url, todos.origin))
  const pageFiles = storePageFiles()
  for (const [file, text] of pageFiles) {
    mkdirSync(join(store, dirname(file)), { recursive: true })
    writeFileSync(join(store, file), text)
  }
  const storeManifest = JSON.parse(pageFiles.get('package.json') as string) as {
    name: string
    version: string
    peerDependencies: Record<string, string>
    devDependencies: Record<string, string>
  }
  const npmInstall = ['install', '--no-audit', '--no-fund', '--loglevel=error']
  await settleAll([
    run('npm', [...npmInstall, ...APP_PACKAGES], { cwd: app, env }),
    run('npm', npmInstall, { cwd: store, env }),
  ])

  say(`2. a fresh app: npm install ${APP_PACKAGES.join(' ')}`)
  say(`   installed ${await installed(app, env, APP_PACKAGES)}`)
  const output = await run(process.execPath, ['example.mjs'], { cwd: app, env: baseEnv, timeoutMs: 60_000 })
  const line = summary(output, /^(\d+ open todos)$/m, 'the README example')
  const keys = await sendRedisCommand(redis.port, ['DBSIZE'])
  say(
    `   the README example against redis-server ${redis.url} and a loopback todo API printed "${line}" ` +
      `(${todos.requests()} request to the API, ${keys} key in Redis)`,
  )

  const storeDeps = Object.keys(storeManifest.devDependencies)
  say(`3. the example store of ${STORE_PAGE}, with the page's package.json: npm install`)
  say(`   installed ${await installed(store, env, storeDeps)}`)
  const vitest = await run('npm', ['test'], { cwd: store, env })
  say(`   npm test (vitest): ${summary(vitest, /Tests\s+(.+?)\s*$/m, 'vitest')}`)
  const node = await run('npm', ['run', 'test:node'], { cwd: store, env })
  const size = (statSync(join(store, 'dist', 'index.js')).size / 1024).toFixed(1)
  say(
    `   npm run test:node (build, then node --test): ${summary(node, /^# pass (\d+)$/m, 'node --test')} passed, ` +
      `${summary(node, /^# skipped (\d+)$/m, 'node --test')} skipped, ${summary(node, /^# fail (\d+)$/m, 'node --test')} failed; dist/index.js ${size} KB (core not bundled)`,
  )
  const packed = (await run('npm', ['pack', '--silent'], { cwd: store, env }))
    .trim()
    .split('\n')
    .at(-1) as string
  await run('npm', [...npmInstall, join(store, packed)], { cwd: app, env })
  say(
    `   the app installs ${storeManifest.name} ${storeManifest.version} beside core: ` +
      `${await installed(app, env, ['@tiered/core', storeManifest.name])}`,
  )

  // 4. A core minor: only core is versioned and republished; the store's peer range accepts it.
  writeFileSync(
    join(workspace.dir, '.changeset', 'rehearsal-core-minor.md'),
    '---\n"@tiered/core": minor\n---\n\nRehearsal: a core minor.\n',
  )
  const registryBefore = new Map<string, string[]>()
  for (const name of first.keys()) registryBefore.set(name, await publishedVersions(registry, name))
  await release(workspace, env)
  const second = workspace.versions()
  const bumped = [...second].filter(([name, version]) => first.get(name) !== version)
  const republished: string[] = []
  for (const name of second.keys()) {
    const now = await publishedVersions(registry, name)
    const added = now.filter((version) => !registryBefore.get(name)?.includes(version))
    if (added.length > 0) republished.push(`${name} ${added.join(', ')}`)
  }
  const core = second.get('@tiered/core') as string
  say('4. a core minor: a changeset, pnpm version-packages, pnpm release')
  say(
    `   versioned: ${bumped.map(([name, version]) => `${name} ${first.get(name)} -> ${version}`).join(', ')}`,
  )
  say(`   published: ${republished.join('; ')}; every other package stays at its first release`)
  if (bumped.length !== 1 || bumped[0]?.[0] !== '@tiered/core' || republished.length !== 1) {
    throw new Error('a core minor must version and publish @tiered/core alone')
  }
  const range = storeManifest.peerDependencies['@tiered/core']
  await run('npm', [...npmInstall, `@tiered/core@${core}`], { cwd: app, env })
  say(
    `   the app with ${storeManifest.name} (peer @tiered/core "${range}") installs core ${core}: accepted, ` +
      `${await installed(app, env, ['@tiered/core', storeManifest.name])}`,
  )
  // And the refusal the page promises: a store that needs something core added in 1.N declares `^1.N.0`, which npm
  // refuses beside an older core instead of installing a store that would not run.
  const firstCore = first.get('@tiered/core') as string
  const needsNew = { ...storeManifest, version: `${storeManifest.version}-needs-${core}` }
  needsNew.peerDependencies = { ...storeManifest.peerDependencies, '@tiered/core': `^${core}` }
  writeFileSync(join(store, 'package.json'), `${JSON.stringify(needsNew, null, 2)}\n`)
  const needsNewTarball = (await run('npm', ['pack', '--silent'], { cwd: store, env }))
    .trim()
    .split('\n')
    .at(-1)
  writeFileSync(join(store, 'package.json'), pageFiles.get('package.json') as string)
  const refusal = await run(
    'npm',
    [...npmInstall, '--dry-run', `@tiered/core@${firstCore}`, join(store, needsNewTarball as string)],
    { cwd: app, env },
  ).then(
    () => undefined,
    (error: unknown) => (error instanceof CommandError ? error.output : String(error)),
  )
  if (refusal === undefined || !refusal.includes('ERESOLVE')) {
    throw new Error(
      `npm did not refuse a store with peer ^${core} beside core ${firstCore}: ${refusal ?? 'it installed'}`,
    )
  }
  say(
    `   a store declaring peer "^${core}" beside core ${firstCore}: refused (npm ERESOLVE), as the page says`,
  )
  await run('npm', [...npmInstall, '--save-dev', `@tiered/core@${core}`], { cwd: store, env })
  const again = await run('npm', ['test'], { cwd: store, env })
  say(`   the store's suite against core ${core}: ${summary(again, /Tests\s+(.+?)\s*$/m, 'vitest')}`)
}

async function main(): Promise<void> {
  const work = await createTempDir('tiered-rehearsal-')
  // Stopped in reverse order of starting, whatever happens.
  const stack: (() => Promise<void>)[] = []
  let failed = false
  try {
    await rehearse(work.path, stack)
  } catch (error) {
    failed = true
    console.error(`release rehearsal FAILED: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    for (const stop of stack.reverse()) await stop().catch(() => undefined)
    await work.remove().catch((error: unknown) => console.error(`could not remove ${work.path}: ${error}`))
  }
  say(`release rehearsal: ${failed ? 'FAILED' : 'ok'} (${seconds()})`)
  process.exit(failed ? 1 : 0)
}

await main()
