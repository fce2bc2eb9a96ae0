// An ISR page rendered on demand, cached for an hour, tagged `products` through unstable_cache.
import { unstable_cache } from 'next/cache'
import { countRender, processName } from '../../../lib/renders'

export const revalidate = 3600
export const dynamicParams = true

export function generateStaticParams() {
  return []
}

const product = unstable_cache(async (id: string) => ({ id, price: id.length * 10 }), ['product'], {
  tags: ['products'],
})

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params
  await countRender(`isr:${id}`)
  // The render takes a moment, as a real one does: time for a second process to ask for the same page.
  await new Promise((resolve) => setTimeout(resolve, 300))
  const { price } = await product(id)
  return (
    <main>
      <p id="stamp">{`${processName}:${Date.now()}:${Math.random()}`}</p>
      <p id="price">{price}</p>
    </main>
  )
}
