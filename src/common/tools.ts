// Tools come from PATH when present (GitHub-hosted runners have docker, kind, kubectl and helm);
// otherwise a pinned release is downloaded with @actions/tool-cache and checked against its published
// digest (sha256, or sha512 where the project publishes only that) before it is ever run.
import { createHash } from 'node:crypto'
import { constants as fsConstants, createReadStream } from 'node:fs'
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import * as core from '@actions/core'
import { run } from './exec.js'

export interface PinnedTool {
  name: string
  version: string
  /** Download URL for this platform and architecture (`linux`, `x64`). */
  url: (platform: string, arch: string) => string
  /** Digest of the downloaded file, `sha256:<hex>` or `sha512:<hex>`, keyed `${platform}-${arch}`. */
  digests: Record<string, string>
  /** How the download is packed; a plain binary when omitted. */
  archive?: 'tar.gz' | 'zip'
  /** Path of the binary inside the archive. */
  pathInArchive?: (platform: string, arch: string) => string
  /**
   * The version of a copy found on PATH; when given, a copy of another version is not used and the pinned
   * one is installed instead (kind: the requested kind-version, not whatever the runner image has).
   */
  versionOnPath?: (binary: string) => Promise<string | undefined>
}

export async function fileDigest(file: string, algorithm: 'sha256' | 'sha512' = 'sha256'): Promise<string> {
  const hash = createHash(algorithm)
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export async function ensureTool(
  tool: PinnedTool,
  platform: string = process.platform,
  arch: string = process.arch
): Promise<string> {
  const onPath = await which(tool.name)
  if (onPath) {
    if (!tool.versionOnPath) return onPath
    const found = await tool.versionOnPath(onPath).catch(() => undefined)
    if (found === tool.version) return onPath
    core.info(`${onPath} is ${tool.name} ${found ?? '(version unknown)'}; ${tool.version} was asked for`)
  }
  const key = `${platform}-${arch}`
  const expected = tool.digests[key]
  if (!expected) throw new Error(`${tool.name} is not on PATH and no pinned build exists for ${key}`)
  const [algorithm, hex] = expected.split(':') as ['sha256' | 'sha512', string]

  const tc = await import('@actions/tool-cache')
  const binary = platform === 'win32' ? `${tool.name}.exe` : tool.name
  const cached = tc.find(tool.name, tool.version, arch)
  if (cached) return path.join(cached, binary)

  return core.group(`Install ${tool.name} ${tool.version}`, async () => {
    const url = tool.url(platform, arch)
    const download = await tc.downloadTool(url)
    const actual = await fileDigest(download, algorithm)
    if (actual !== hex) {
      await fs.rm(download, { force: true })
      throw new Error(
        `${tool.name} ${tool.version} from ${url} has ${algorithm} ${actual}, expected ${hex}; not used`
      )
    }
    // Unpacked with exec.ts (not tool-cache's extractors, which start tar through @actions/exec), so the
    // one set of child-process rules holds here too.
    const dir = path.join(path.dirname(download), `${tool.name}-${tool.version}-unpacked`)
    await fs.mkdir(dir, { recursive: true })
    if (tool.archive === 'tar.gz') await run('tar', ['-xzf', download, '-C', dir], { silent: true })
    else if (tool.archive === 'zip') await run('unzip', ['-q', '-o', download, '-d', dir], { silent: true })
    else await fs.copyFile(download, path.join(dir, binary))
    const inner = tool.pathInArchive ? tool.pathInArchive(platform, arch) : binary
    const source = path.join(dir, inner)
    await fs.chmod(source, 0o755)
    const cachedDir = await tc.cacheFile(source, binary, tool.name, tool.version, arch)
    core.info(`${tool.name} ${tool.version} verified (${algorithm} ${hex}) and cached`)
    return path.join(cachedDir, binary)
  })
}

/**
 * The first executable file named `name` in PATH's folders, as an absolute path, or undefined. What
 * @actions/io's which(name, false) answers on Linux and macOS, without loading its dependencies (Node's
 * assert) at every stage's start-up.
 */
export async function which(name: string): Promise<string | undefined> {
  if (name.includes('/')) return undefined
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue
    const file = path.resolve(dir, name)
    try {
      const st = await fs.stat(file)
      if (st.isFile()) {
        await fs.access(file, fsConstants.X_OK)
        return file
      }
    } catch {
      // not there, or not executable: the next folder
    }
  }
  return undefined
}
