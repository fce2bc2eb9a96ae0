// Collects calls made in the same tick and hands them over together, so that a remote tier gets one
// getMany or setMany instead of one round trip per caller.

export type Resolve<R> = (result: R) => void

export class TickBatch<I, R> {
  #items: I[] = []
  #resolvers: Resolve<R>[] = []
  readonly #flush: (items: I[], resolvers: Resolve<R>[]) => void

  constructor(flush: (items: I[], resolvers: Resolve<R>[]) => void) {
    this.#flush = flush
  }

  add(item: I): Promise<R> {
    return new Promise<R>((resolve) => {
      // nextTick runs once the current microtasks drain, so callers resumed by the same reply join one batch.
      if (this.#items.length === 0) process.nextTick(this.#run)
      this.#items.push(item)
      this.#resolvers.push(resolve)
    })
  }

  readonly #run = (): void => {
    const items = this.#items
    const resolvers = this.#resolvers
    this.#items = []
    this.#resolvers = []
    this.#flush(items, resolvers)
  }
}
