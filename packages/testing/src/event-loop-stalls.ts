// Watches this process's event loop with a short timer. On two cores shared with other test processes the loop is
// sometimes not scheduled for tens of ms; a call slowed by that was not waiting for Redis, so latency checks subtract
// the stalls a call overlapped (a call waiting for Redis waits on a timer or a socket, and the loop keeps turning
// meanwhile, so nothing of that wait is subtracted).

export interface StallWatch {
  /** `to - from` (performance.now() times), less the time of [from, to) the loop was stalled. */
  ownMs(from: number, to: number): number
  /** The stalls' total length. */
  totalMs(): number
  stop(): void
}

export function watchStalls(tickMs = 5): StallWatch {
  const stalls: { from: number; to: number }[] = []
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    if (now - last > 2 * tickMs) stalls.push({ from: last + tickMs, to: now })
    last = now
  }, tickMs)
  timer.unref()
  return {
    ownMs(from, to) {
      let stalled = 0
      // Stalls are recorded in time order: walk back from the newest until they end before `from`.
      for (let i = stalls.length - 1; i >= 0; i--) {
        const stall = stalls[i] as { from: number; to: number }
        if (stall.to <= from) break
        stalled += Math.max(0, Math.min(to, stall.to) - Math.max(from, stall.from))
      }
      return to - from - stalled
    },
    totalMs: () => stalls.reduce((sum, stall) => sum + stall.to - stall.from, 0),
    stop: () => clearInterval(timer),
  }
}
