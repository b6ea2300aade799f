// Paths read or written inside a checkout that someone else controls (the GitOps repository). A symbolic
// link committed there could make the step read a file outside the checkout (/proc/self/environ, a key)
// and commit, print or render it, or write through it. Every path the step reads or writes, and every file
// a tool will read (a chart folder, for helm), must resolve inside the checkout; a values file the step
// rewrites must not be a link at all (writing it would replace the link with a file).
import * as fs from 'node:fs/promises'
import * as path from 'node:path'

export class UnsafePathError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UnsafePathError'
  }
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root + path.sep)
}

/** Where a link points, resolved as the OS would; a dangling link resolves as far as it can. */
async function target(link: string): Promise<string> {
  const real = await fs.realpath(link).catch(() => undefined)
  if (real) return real
  const to = await fs.readlink(link)
  return path.resolve(path.dirname(link), to)
}

/**
 * Checks `rel` (a path inside `root`) and, when it is a folder, everything below it: no link on the way or
 * inside may lead out of `root`. A link to a folder inside `root` is followed and checked too.
 * `what` names the path for the error ("values-file", "chart").
 */
export async function checkInside(root: string, rel: string, what: string): Promise<void> {
  const realRoot = await fs.realpath(root)
  const refuse = async (p: string) =>
    new UnsafePathError(
      `${what} '${rel}': ${path.relative(realRoot, p) || '.'} is a symbolic link to ${await fs.readlink(p)}, outside the repository; refusing to read or write through it`
    )
  // each component of the path itself
  let p = realRoot
  for (const part of rel.split('/').filter(s => s && s !== '.')) {
    p = path.join(p, part)
    const st = await fs.lstat(p).catch(() => undefined)
    if (!st) return
    if (st.isSymbolicLink()) {
      const to = await target(p)
      if (!inside(realRoot, to)) throw await refuse(p)
      p = to
    }
  }
  // everything below it
  const seen = new Set<string>()
  const walk = async (dir: string): Promise<void> => {
    if (seen.has(dir)) return
    seen.add(dir)
    for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, e.name)
      if (e.isSymbolicLink()) {
        const to = await target(full)
        if (!inside(realRoot, to)) throw await refuse(full)
        if ((await fs.stat(to).catch(() => undefined))?.isDirectory()) await walk(to)
      } else if (e.isDirectory() && e.name !== '.git') await walk(full)
    }
  }
  if ((await fs.lstat(p).catch(() => undefined))?.isDirectory()) await walk(p)
}

/** A file the step rewrites: inside `root`, and a regular file, not a link. */
export async function checkRegularFile(root: string, rel: string, what: string): Promise<void> {
  await checkInside(root, rel, what)
  const st = await fs.lstat(path.join(root, rel)).catch(() => undefined)
  if (st?.isSymbolicLink())
    throw new UnsafePathError(
      `${what} '${rel}' is a symbolic link; name the file it points to (writing it would replace the link)`
    )
  if (st && !st.isFile()) throw new UnsafePathError(`${what} '${rel}' is not a regular file`)
}
