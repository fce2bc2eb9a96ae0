import { describe, expect, it } from 'vitest'
import { Singleflight } from '../src/index.js'

describe('Singleflight', () => {
  it('runs one call per key while it is in flight and shares its result', async () => {
    const flights = new Singleflight<number>()
    let calls = 0
    let release!: (value: number) => void
    const work = () => {
      calls++
      return new Promise<number>((resolve) => {
        release = resolve
      })
    }
    const results = Promise.all([flights.do('k', work), flights.do('k', work), flights.do('k', work)])
    expect(flights.has('k')).toBe(true)
    release(7)
    expect(await results).toEqual([7, 7, 7])
    expect(calls).toBe(1)
    expect(flights.has('k')).toBe(false)
  })

  it('keeps keys apart', async () => {
    const flights = new Singleflight<string>()
    const results = await Promise.all([flights.do('a', () => 'A'), flights.do('b', () => 'B')])
    expect(results).toEqual(['A', 'B'])
  })

  it('shares a rejection with every caller, then lets the next call run again', async () => {
    const flights = new Singleflight<number>()
    let calls = 0
    const failing = async () => {
      calls++
      throw new Error('boom')
    }
    const both = await Promise.allSettled([flights.do('k', failing), flights.do('k', failing)])
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    expect(calls).toBe(1)
    await expect(flights.do('k', async () => 1)).resolves.toBe(1)
  })

  it('turns a synchronous throw into a rejection', async () => {
    const flights = new Singleflight<number>()
    await expect(
      flights.do('k', () => {
        throw new TypeError('sync')
      }),
    ).rejects.toThrow(TypeError)
    expect(flights.size).toBe(0)
  })

  it('forget detaches the running call: it is told so, and the next call starts afresh', async () => {
    const flights = new Singleflight<string>()
    let release!: () => void
    let sawForgotten: boolean | undefined
    const first = flights.do('k', async (flight) => {
      await new Promise<void>((resolve) => {
        release = resolve
      })
      sawForgotten = flight.forgotten
      return 'old'
    })
    flights.forget('k')
    const second = flights.do('k', async () => 'new')
    release()
    expect(await first).toBe('old')
    expect(await second).toBe('new')
    expect(sawForgotten).toBe(true)
  })
})
