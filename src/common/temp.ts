// Per-step private space under RUNNER_TEMP: a 0700 folder whose files (keys, known_hosts, docker config)
// are written 0600. Main saves only the folder's path in state and removes it in `finally`; post
// removes it again, so a killed main still leaves nothing behind.
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'

export class PrivateDir {
  private constructor(readonly path: string) {}

  /**
   * A new folder `<prefix>-<random>` under RUNNER_TEMP. `save` is told its path before it exists, so that
   * post can remove it whenever main is killed (state first, then the thing it cleans).
   */
  static async create(prefix: string, save?: (dir: string) => void): Promise<PrivateDir> {
    const root = process.env.RUNNER_TEMP || os.tmpdir()
    await fs.mkdir(root, { recursive: true })
    for (;;) {
      const dir = path.join(root, `${prefix}-${randomBytes(6).toString('hex')}`)
      save?.(dir)
      try {
        await fs.mkdir(dir, { mode: 0o700 })
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue
        throw err
      }
      await fs.chmod(dir, 0o700)
      return new PrivateDir(dir)
    }
  }

  /** Writes a file readable only by this user, creating it with that mode (never briefly wider). */
  async write(name: string, content: string | Buffer): Promise<string> {
    const file = path.join(this.path, name)
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
    await fs.writeFile(file, content, { mode: 0o600, flag: 'wx' })
    return file
  }

  async remove(): Promise<void> {
    await removePrivateDir(this.path)
  }
}

/** Removes a folder made by PrivateDir.create; a path outside RUNNER_TEMP or the temp folder is refused. */
export async function removePrivateDir(dir: string): Promise<void> {
  if (!dir) return
  const roots = [process.env.RUNNER_TEMP, os.tmpdir()].filter(Boolean).map(r => path.resolve(r as string))
  const resolved = path.resolve(dir)
  if (!roots.some(r => resolved.startsWith(r + path.sep))) throw new Error(`Refusing to remove ${dir}`)
  // A tool main started may outlive main (killed mid-clone, say) and still be writing there for a moment:
  // the folder is emptied again until it stays empty (Node retries ENOTEMPTY and EBUSY, waiting 100 ms
  // longer each time, 4.5 s at most), not left behind with a failing post.
  await fs.rm(resolved, { recursive: true, force: true, maxRetries: 9, retryDelay: 100 })
}

/** Post-step cleanup: removes the private folder whose path main saved under `stateKey`. */
export async function removeSavedPrivateDir(stateKey: string): Promise<void> {
  const { getState } = await import('@actions/core')
  const dir = getState(stateKey)
  if (dir) await removePrivateDir(dir)
}
