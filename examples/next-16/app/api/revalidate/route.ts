// Revalidation from a route: ?tag=products (revalidateTag, expired now) or ?path=/isr/1 (revalidatePath).
import { revalidatePath, revalidateTag } from 'next/cache'

export const dynamic = 'force-dynamic'

export async function POST(request: Request) {
  const params = new URL(request.url).searchParams
  const tag = params.get('tag')
  const path = params.get('path')
  if (tag !== null) revalidateTag(tag, { expire: 0 })
  if (path !== null) revalidatePath(path)
  return Response.json({ revalidated: { tag, path }, at: Date.now() })
}
