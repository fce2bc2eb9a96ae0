// A test runner small enough to run unchanged on Node, Bun and Deno: `describe`/`it` collect cases (the shape
// runStoreConformance takes as `runner`), `run()` runs them one after another with their timeouts, prints one line
// per failure and a summary, and gives the number of failures. No runner's own CLI, so the same file runs as
// `node`, `bun` or `deno run -A` given it.

const cases = []
const path = []

export function describe(name, body) {
  path.push(name)
  try {
    body()
  } finally {
    path.pop()
  }
}

export function it(name, body, timeoutMs = 30_000) {
  cases.push({ name: [...path, name].join(' > '), body, timeoutMs })
}

function withTimeout(promise, ms, name) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${name}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Runs every case registered so far; resolves to the number that failed. */
export async function run(label) {
  const started = performance.now()
  let passed = 0
  let skipped = 0
  const failed = []
  for (const { name, body, timeoutMs } of cases.splice(0)) {
    const context = { skip() {} }
    try {
      await withTimeout(
        Promise.resolve().then(() => body(context)),
        timeoutMs,
        name,
      )
      passed++
    } catch (error) {
      if (error?.name === 'SkipCase') skipped++
      else {
        failed.push(name)
        console.error(`FAIL ${label}: ${name}\n  ${error?.stack ?? error}`)
      }
    }
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  console.log(`${label}: ${passed} passed, ${skipped} skipped, ${failed.length} failed (${seconds} s)`)
  return failed.length
}

/** Polls `check` every 10 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(what, check, timeoutMs = 10_000) {
  const deadline = performance.now() + timeoutMs
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`)
}
