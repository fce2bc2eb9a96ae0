// A page whose data comes from a 'use cache' function tagged `uc`: the function runs once per fleet.
import { cacheLife, cacheTag } from 'next/cache'
import { connection } from 'next/server'
import { countRender } from '../../lib/renders'

async function slowData() {
  'use cache'
  cacheLife('hours')
  cacheTag('uc')
  await countRender('uc')
  return `${Date.now()}:${Math.random()}`
}

export default async function Page() {
  await connection()
  const value = await slowData()
  return <p id="value">{value}</p>
}
