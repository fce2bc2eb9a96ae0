#!/usr/bin/env node
// Docs that compile: every ```ts block in every Markdown file of the repo (READMEs, docs/*.md, ...) becomes one
// module in consumer-fixture/.docs/ and is type-checked strict under NodeNext, as an app that installed the
// packages would compile it. Errors point at the Markdown line. Run from consumer-fixture/ (its `test` script).
// A block is a whole module: it imports what it uses; the packages it imports are consumer-fixture's dependencies.
// A block marked `<!-- file: path -->` that imports a file beside it (`../src/index.js`) is part of an example
// package; `pnpm release:rehearse` writes that package out, installs it from a registry and runs it instead.

import { execFile, execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'

const root = new URL('..', import.meta.url).pathname
const fixture = join(root, 'consumer-fixture')
const out = join(fixture, '.docs')
// One level down, so that a block's relative import (`../src/index.js`) finds nothing rather than the fixture's.
const blocksDir = join(out, 'blocks')
const FENCE = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript|mts)\b.*$/
const FILE_MARK = /^<!-- file: (\S+) -->$/
const RELATIVE_IMPORT = /from '\.\.?\//

const markdown = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => file !== '' && !file.includes('node_modules/'))

/** Every TypeScript block: its Markdown file, the line of its first code line, and its code. */
const blocks = []
/** Blocks of example packages, run by the rehearsal rather than compiled alone. */
const packageBlocks = []
for (const file of markdown) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i])
    if (open === null) continue
    const fence = open[2]
    const start = i + 1
    let end = start
    while (end < lines.length && !lines[end].trimStart().startsWith(fence)) end++
    const block = { file, line: start + 1, code: lines.slice(start, end).join('\n') }
    const packageFile = FILE_MARK.exec(lines[i - 1] ?? '')?.[1]
    if (packageFile !== undefined && RELATIVE_IMPORT.test(block.code))
      packageBlocks.push({ ...block, packageFile })
    else blocks.push(block)
    i = end
  }
}

rmSync(out, { recursive: true, force: true })
mkdirSync(blocksDir, { recursive: true })
const byModule = new Map()
for (const block of blocks) {
  const name = `${block.file.replaceAll('/', '__')}.L${block.line}.ts`
  byModule.set(name, block)
  writeFileSync(join(blocksDir, name), `${block.code}\n`)
}
writeFileSync(
  join(out, 'tsconfig.json'),
  JSON.stringify(
    {
      compilerOptions: {
        strict: true,
        target: 'ES2022',
        lib: ['ES2022'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        moduleDetection: 'force',
        types: ['node'],
        noEmit: true,
        skipLibCheck: true,
      },
      include: ['blocks/*.ts'],
    },
    null,
    2,
  ),
)

const tsc = join(fixture, 'node_modules', 'typescript', 'bin', 'tsc')
let output = ''
try {
  await promisify(execFile)(process.execPath, [tsc, '-p', join(out, 'tsconfig.json'), '--pretty', 'false'], {
    cwd: fixture,
    timeout: 120_000,
  })
} catch (error) {
  output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim() || String(error.message)
}

// `.docs/README.md.L23.ts(4,7): error TS2304: ...` -> `README.md:26:7 error TS2304: ...`
const failed = new Set()
const messages = []
for (const line of output.split('\n').filter(Boolean)) {
  const match = /^(?:.*\/)?([^/(]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line)
  const block = match && byModule.get(match[1])
  if (!block) {
    if (!line.startsWith(' ')) messages.push(line)
    continue
  }
  failed.add(block)
  messages.push(`${block.file}:${block.line + Number(match[2]) - 1}:${match[3]} ${match[4]}`)
}
for (const block of blocks) {
  console.log(`${failed.has(block) ? 'FAIL' : 'ok  '} ${block.file}:${block.line} (ts block)`)
}
for (const block of packageBlocks) {
  console.log(
    `run  ${block.file}:${block.line} (${block.packageFile} of an example package: pnpm release:rehearse)`,
  )
}
for (const message of messages) console.log(`  ${message}`)
if (output !== '') {
  console.log(`${failed.size} of ${blocks.length} TypeScript blocks in Markdown do not compile`)
  process.exit(1)
}
console.log(`all ${blocks.length} TypeScript blocks in Markdown compile (strict, NodeNext)`)
